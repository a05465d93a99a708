import { describe, expect, it } from 'vitest';
import { canonicalJson, sortKeys } from './canonical-json';

describe('canonicalJson', () => {
  it('gives the same text for the same value whatever the key order, at every depth', () => {
    const a = { b: 1, a: { d: [{ y: 2, x: 1 }], c: 'z' } };
    const b = { a: { c: 'z', d: [{ x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"z","d":[{"x":1,"y":2}]},"b":1}');
  });

  it('keeps array order, drops undefined properties and renders non-plain objects as JSON does', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });

  it('sorts by code unit, as the checksum in docs/protocol.md says (upper case before lower)', () => {
    expect(Object.keys(sortKeys({ b: 1, B: 2, a: 3, _: 4 }) as object)).toEqual(['B', '_', 'a', 'b']);
  });
});
