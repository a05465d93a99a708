import { stringify } from 'yaml';
import { normaliseForCompare, type JsonObject } from '../kube/normalise';
import { unifiedDiff } from './unified-diff';
import { asMap, holdsSecretValue, isSecret, LAST_APPLIED, MASK, secretValues } from '../model/secret-values';

export { MASK };
/** A masked value that differs shows that it differs, never what it is. */
const MASK_CHANGED = '*** (changed)';

/**
 * The readable drift of one object: a unified diff from the live object to the desired one
 * (its server-side dry-run), both normalised, as YAML. "" when they are the same. A Secret's
 * `data` and `stringData` values are masked on both sides before anything is rendered, and so
 * are its copies: the last-applied annotation of client-side kubectl, and any annotation or
 * other string that holds one of its values.
 */
export function driftDiff(live: JsonObject | undefined, desired: JsonObject): string {
  const after = normaliseForCompare(desired);
  const before = live === undefined ? undefined : normaliseForCompare(live);
  if (isSecret(desired)) {
    const values = secretValues(live, desired);
    maskSecretValues(before, after);
    maskCopies(asMap(asMap(before?.['metadata'])?.['annotations']), asMap(asMap(after['metadata'])?.['annotations']), values);
    for (const side of [before, after]) if (side) maskStrings(side, values);
  }
  const label = describe(desired);
  return unifiedDiff(before === undefined ? '' : render(before), render(after), {
    before: before === undefined ? `${label} (live: missing)` : `${label} (live)`,
    after: `${label} (desired)`,
  });
}

function maskSecretValues(live: JsonObject | undefined, desired: JsonObject): void {
  for (const field of ['data', 'stringData']) {
    const a = asMap(live?.[field]);
    const b = asMap(desired[field]);
    for (const key of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
      const differs = a?.[key] !== b?.[key];
      if (a && key in a) a[key] = MASK;
      if (b && key in b) b[key] = differs && a && key in a ? MASK_CHANGED : MASK;
    }
  }
}

/** Annotations that copy the Secret: masked on both sides, marked changed where they differ. */
function maskCopies(live: Record<string, unknown> | undefined, desired: Record<string, unknown> | undefined, values: string[]): void {
  for (const key of new Set([...Object.keys(live ?? {}), ...Object.keys(desired ?? {})])) {
    const a = live?.[key];
    const b = desired?.[key];
    const copies = key === LAST_APPLIED || [a, b].some((v) => typeof v === 'string' && holdsSecretValue(v, values));
    if (!copies) continue;
    if (live && key in live) live[key] = MASK;
    if (desired && key in desired) desired[key] = a !== b && live && key in live ? MASK_CHANGED : MASK;
  }
}

/** Any other string of the Secret (outside its values) that holds one of them. */
function maskStrings(node: Record<string, unknown> | unknown[], values: string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && holdsSecretValue(value, values)) (node as Record<string, unknown>)[key] = MASK;
    else if (typeof value === 'object' && value !== null) maskStrings(value as Record<string, unknown>, values);
  }
}

function describe(object: JsonObject): string {
  const metadata = asMap(object['metadata']) ?? {};
  const namespace = typeof metadata['namespace'] === 'string' && metadata['namespace'] ? `${metadata['namespace']}/` : '';
  return `${String(object['kind'])}/${namespace}${String(metadata['name'])}`;
}

function render(object: JsonObject): string {
  return stringify(object, { lineWidth: 0 });
}
