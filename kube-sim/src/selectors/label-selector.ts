import { isObject } from '../json-value';

export type Requirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'doesnotexist' };

export type Labels = Record<string, string>;

/** Thrown for a selector string the API would reject with 400. */
export class SelectorError extends Error {}

/**
 * Parses a label selector string: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`, joined by commas (which may also appear inside parentheses).
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  for (const term of splitTerms(selector)) {
    const t = term.trim();
    if (t === '') continue;
    let m: RegExpMatchArray | null;
    if ((m = t.match(/^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      requirements.push({ key: m[1], op: m[2] as 'in' | 'notin', values });
    } else if ((m = t.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      requirements.push({ key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] });
    } else if ((m = t.match(/^!\s*([^\s!=(),]+)$/))) {
      requirements.push({ key: m[1], op: 'doesnotexist' });
    } else if ((m = t.match(/^([^\s!=(),]+)$/))) {
      requirements.push({ key: m[1], op: 'exists' });
    } else {
      throw new SelectorError(`unable to parse requirement: ${t}`);
    }
  }
  return requirements;
}

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms;
}

export function matchesRequirements(labels: Labels | undefined, requirements: Requirement[]): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
    }
  });
}

/** Converts a metav1.LabelSelector (matchLabels, matchExpressions) into requirements. */
export function requirementsOfLabelSelector(selector: unknown): Requirement[] {
  if (!isObject(selector)) return [];
  const requirements: Requirement[] = [];
  const matchLabels = selector['matchLabels'];
  if (isObject(matchLabels)) {
    for (const [key, value] of Object.entries(matchLabels)) requirements.push({ key, op: 'in', values: [String(value)] });
  }
  const expressions = selector['matchExpressions'];
  if (Array.isArray(expressions)) {
    for (const e of expressions.filter(isObject)) {
      const key = String(e['key']);
      const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
      const op = String(e['operator']);
      if (op === 'In') requirements.push({ key, op: 'in', values });
      else if (op === 'NotIn') requirements.push({ key, op: 'notin', values });
      else if (op === 'Exists') requirements.push({ key, op: 'exists' });
      else if (op === 'DoesNotExist') requirements.push({ key, op: 'doesnotexist' });
    }
  }
  return requirements;
}
