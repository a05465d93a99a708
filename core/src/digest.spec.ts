import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from './digest';

describe('sha256', () => {
  it('equals createHash for text (UTF-8, NUL and all) and bytes', () => {
    for (const input of ['', 'abc', 'ünïcødé \u0000 end', 'x'.repeat(100_000)]) {
      expect(sha256Hex(input)).toBe(createHash('sha256').update(input).digest('hex'));
      expect(sha256(input).equals(createHash('sha256').update(input).digest())).toBe(true);
    }
    const bytes = Uint8Array.from([0, 255, 1, 254]);
    expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('gives the known digest of "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
