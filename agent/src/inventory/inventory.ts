import { gunzipSync, gzipSync } from 'node:zlib';
import type { ObjectRef } from '../model/object-ref';

/**
 * What this agent applied for one target, in apply order, and the prune policy it was
 * applied with (what a deleted target's objects get: docs in agent/README.md).
 */
export interface Inventory {
  bundle: string;
  prune: boolean;
  objects: ObjectRef[];
}

/**
 * The identity an inventory keeps objects by: group, kind, namespace and name. The version
 * is left out, so that moving a manifest from v1beta1 to v1 is the same object, not a prune.
 */
export function inventoryKey(ref: ObjectRef): string {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return `${group}|${ref.kind}|${ref.namespace}|${ref.name}`;
}

/** The stored form: gzip of a JSON list of [apiVersion, kind, namespace, name]. */
export function encodeInventory(objects: readonly ObjectRef[]): Buffer {
  return gzipSync(JSON.stringify(objects.map((o) => [o.apiVersion, o.kind, o.namespace, o.name])), { level: 9 });
}

export function decodeInventory(data: Buffer): ObjectRef[] {
  const rows: unknown = JSON.parse(gunzipSync(data).toString('utf8'));
  if (!Array.isArray(rows)) throw new Error('inventory is not a list');
  return rows.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== 4 || !row.every((v) => typeof v === 'string')) {
      throw new Error('inventory entry is not [apiVersion, kind, namespace, name]');
    }
    const [apiVersion, kind, namespace, name] = row as [string, string, string, string];
    return { apiVersion, kind, namespace, name };
  });
}

/** Cuts bytes into pieces of at most `size` bytes (at least one piece, maybe empty). */
export function shard(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) pieces.push(data.subarray(offset, offset + size));
  return pieces.length > 0 ? pieces : [Buffer.alloc(0)];
}
