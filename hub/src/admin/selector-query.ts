import type { LabelSelector, LabelSelectorRequirement } from '../fleet-repo/fleet-format';
import { invalidArgument } from '../http/list-query';

const KEY = '[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?';

/**
 * The `label=k=v` (repeatable) and `selector=` query parameters as one LabelSelector.
 * `selector` uses kubectl's syntax: `env=prod,tier!=db,region in (eu,us),zone notin (a),team,!legacy`.
 */
export function selectorQuery(label: unknown, selector: unknown): LabelSelector | undefined {
  const result: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  const labels = label === undefined ? [] : Array.isArray(label) ? label : [label];
  for (const entry of labels) {
    const match = typeof entry === 'string' ? new RegExp(`^(${KEY})=(${VALUE})$`).exec(entry) : null;
    if (match === null) throw invalidArgument(`label must be key=value, got "${String(entry).slice(0, 100)}"`);
    result.matchLabels[match[1]] = match[3];
  }
  if (selector !== undefined && selector !== '') {
    if (typeof selector !== 'string') throw invalidArgument('selector must be given once');
    for (const term of splitTerms(selector)) result.matchExpressions.push(requirement(term));
  }
  return labels.length === 0 && result.matchExpressions.length === 0 ? undefined : result;
}

/** Splits on commas outside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  terms.push(current.trim());
  return terms;
}

function requirement(term: string): LabelSelectorRequirement {
  const bad = () =>
    invalidArgument(`selector term "${term.slice(0, 100)}" is not key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
  let m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`).exec(term);
  if (m !== null) return { key: m[1], operator: m[3] === '!=' ? 'NotIn' : 'In', values: [m[4]] };
  m = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`).exec(term);
  if (m !== null) {
    const values = m[4].split(',').map((v) => v.trim());
    if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) throw bad();
    return { key: m[1], operator: m[3] === 'in' ? 'In' : 'NotIn', values };
  }
  m = new RegExp(`^(!?)(${KEY})$`).exec(term);
  if (m !== null) return { key: m[2], operator: m[1] === '!' ? 'DoesNotExist' : 'Exists', values: [] };
  throw bad();
}
