import { stringify } from 'yaml';
import { normaliseForCompare, type JsonObject } from '../kube/normalise';
import { unifiedDiff } from './unified-diff';

/** What a Secret's values are shown as; a value that differs shows that it differs, never what it is. */
export const MASK = '***';
const MASK_CHANGED = '*** (changed)';

/**
 * The readable drift of one object: a unified diff from the live object to the desired one
 * (its server-side dry-run), both normalised, as YAML. "" when they are the same. Secret
 * `data` and `stringData` values are masked on both sides before anything is rendered.
 */
export function driftDiff(live: JsonObject | undefined, desired: JsonObject): string {
  const after = normaliseForCompare(desired);
  const before = live === undefined ? undefined : normaliseForCompare(live);
  if (isSecret(desired)) maskSecretValues(before, after);
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

function asMap(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isSecret(object: JsonObject): boolean {
  return object['kind'] === 'Secret' && object['apiVersion'] === 'v1';
}

function describe(object: JsonObject): string {
  const metadata = asMap(object['metadata']) ?? {};
  const namespace = typeof metadata['namespace'] === 'string' && metadata['namespace'] ? `${metadata['namespace']}/` : '';
  return `${String(object['kind'])}/${namespace}${String(metadata['name'])}`;
}

function render(object: JsonObject): string {
  return stringify(object, { lineWidth: 0 });
}
