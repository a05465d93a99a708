import { describe, expect, it } from 'vitest';
import { base64ErrorOffset } from './go-base64';

describe("Go's base64 decoding", () => {
  it('accepts padded standard base64, with line breaks', () => {
    for (const good of ['', 'YQ==', 'YWI=', 'YWJj', 'YWJj\nZGVm', 'eyJhdXRocyI6e319'])
      expect(base64ErrorOffset(good), good).toBeUndefined();
  });
  it('names the byte where it stops, as kube-apiserver reports it', () => {
    // Offsets as kube-apiserver v1.24 answered them ("illegal base64 data at input byte N").
    expect(base64ErrorOffset('not base64!')).toBe(3);
    expect(base64ErrorOffset('%%%')).toBe(0);
    expect(base64ErrorOffset('YQ')).toBe(0);
    expect(base64ErrorOffset('YQ=')).toBe(3);
    expect(base64ErrorOffset('YQ==YQ==')).toBe(4);
    expect(base64ErrorOffset('Y===')).toBe(1);
  });
});
