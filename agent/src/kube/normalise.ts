import { createHash } from 'node:crypto';
import { sortKeys } from '#core';

/**
 * What two renderings of one object are compared on. Both sides — the live object and the
 * server-side dry-run of the desired one — went through the API server, so defaults, fields
 * other managers own and server-allocated values (a Service's clusterIP, a Job's selector)
 * appear on both and cancel out; what is left to drop is what the server changes on every
 * write or owns itself: status and server-owned metadata.
 */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

export type JsonObject = Record<string, unknown>;

export function normaliseForCompare(object: JsonObject): JsonObject {
  // sortKeys copies every object and array it walks, so only metadata needs a copy first.
  const { status: _status, ...rest } = object;
  const metadata = rest['metadata'];
  if (isObject(metadata)) {
    const kept: JsonObject = { ...metadata };
    for (const key of SERVER_METADATA) delete kept[key];
    for (const key of ['labels', 'annotations'] as const) {
      const map = kept[key];
      if (isObject(map) && Object.keys(map).length === 0) delete kept[key];
    }
    rest['metadata'] = kept;
  }
  return sortKeys(rest) as JsonObject;
}

/** Whether the two objects are the same once normalised (key order never counts). */
export function sameObject(a: JsonObject, b: JsonObject): boolean {
  return JSON.stringify(normaliseForCompare(a)) === JSON.stringify(normaliseForCompare(b));
}

/**
 * A compact stand-in for an object's normalised form (SHA-256 of its JSON, 44 characters):
 * equal fingerprints mean sameObject. What the agent keeps between syncs instead of copies of
 * objects; a diff, when one must be shown, is made from objects fetched again.
 */
export function fingerprintOf(object: JsonObject): string {
  return createHash('sha256')
    .update(JSON.stringify(normaliseForCompare(object)))
    .digest('base64');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
