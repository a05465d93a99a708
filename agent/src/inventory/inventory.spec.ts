import { describe, expect, it } from 'vitest';
import { decodeInventory, encodeInventory, inventoryKey, shard } from './inventory';
import { inventoryName } from './inventory-store';

describe('inventory encoding', () => {
  it('round-trips a list of object references through gzip JSON', () => {
    const refs = Array.from({ length: 1000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: `ns-${i % 20}`,
      name: `cm-${i}`,
    }));
    const encoded = encodeInventory(refs);
    expect(decodeInventory(encoded)).toEqual(refs);
    expect(encoded.length).toBeLessThan(16 * 1024);
  });

  it('shards bytes into pieces that join back', () => {
    const data = Buffer.from('abcdefghij');
    const pieces = shard(data, 4);
    expect(pieces.map((p) => p.toString())).toEqual(['abcd', 'efgh', 'ij']);
    expect(Buffer.concat(pieces)).toEqual(data);
    expect(shard(Buffer.alloc(0), 4)).toHaveLength(1);
  });

  it('keys objects by group, kind, namespace and name (not version)', () => {
    expect(inventoryKey({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'a', name: 'b' })).toBe('apps|Deployment|a|b');
    expect(inventoryKey({ apiVersion: 'v1', kind: 'ConfigMap', namespace: '', name: 'b' })).toBe('|ConfigMap||b');
  });

  it('names inventories after the bundle, hashing names that would be invalid', () => {
    expect(inventoryName('web')).toBe('gitfleet-inventory-web');
    expect(inventoryName('Not Valid')).toMatch(/^gitfleet-inventory-[0-9a-f]{32}$/);
  });
});
