/**
 * JSON with object keys sorted (by UTF-16 code unit) at every depth and no whitespace: equal
 * values give equal text whatever order their keys were built in. What checksums and
 * fingerprints on both sides are taken over (docs/protocol.md: the TargetSet checksum).
 * Properties whose value is undefined are left out, as JSON.stringify leaves them out.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** A copy of the value with the keys of every object in it sorted; arrays keep their order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || !isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** Plain data objects only: a Date, Buffer or class instance is left for JSON.stringify to render. */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
