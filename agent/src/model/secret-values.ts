/**
 * A Secret's values and the places they are copied to: `data` (base64), `stringData`, and
 * wherever another tool writes them again — client-side `kubectl apply` keeps the whole object
 * in the `kubectl.kubernetes.io/last-applied-configuration` annotation. What the agent shows
 * of a Secret (diffs, errors, reports, logs) goes through here first.
 */

/** What a Secret's values are shown as. */
export const MASK = '***';

/** Client-side `kubectl apply`'s copy of the whole object, Secret values included. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Values shorter than this are not searched for in other text: masking every "1" or "on" in a
 * message would say nothing and hide the message. `data` and `stringData` are masked whatever
 * their length; this applies to copies only.
 */
const MIN_COPIED_LENGTH = 4;

type JsonMap = Record<string, unknown>;

export function isSecret(object: JsonMap | undefined): boolean {
  return object?.['kind'] === 'Secret' && object['apiVersion'] === 'v1';
}

/**
 * Every form the values of these Secrets may take in other text: as stored (base64), decoded,
 * and JSON-escaped (as in the last-applied annotation), longest first.
 */
export function secretValues(...objects: (JsonMap | undefined)[]): string[] {
  const found = new Set<string>();
  const add = (value: string): void => {
    for (const form of [value, JSON.stringify(value).slice(1, -1)]) if (form.length >= MIN_COPIED_LENGTH) found.add(form);
  };
  for (const object of objects) {
    if (!isSecret(object)) continue;
    for (const value of Object.values(asMap(object!['data']) ?? {})) {
      if (typeof value !== 'string') continue;
      add(value);
      add(Buffer.from(value, 'base64').toString('utf8'));
    }
    for (const value of Object.values(asMap(object!['stringData']) ?? {})) {
      if (typeof value !== 'string') continue;
      add(value);
      add(Buffer.from(value, 'utf8').toString('base64'));
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of these values replaced by the mask. */
export function maskSecretText(text: string, values: readonly string[]): string {
  let masked = text;
  for (const value of values) if (masked.includes(value)) masked = masked.split(value).join(MASK);
  return masked;
}

/** Whether `text` holds one of these values. */
export function holdsSecretValue(text: string, values: readonly string[]): boolean {
  return values.some((value) => text.includes(value));
}

export function asMap(value: unknown): JsonMap | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonMap) : undefined;
}
