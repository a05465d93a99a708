import { describe, expect, it } from 'vitest';
import { goJsonSyntaxError } from './go-json-syntax';

describe("Go's JSON syntax errors", () => {
  it('accepts JSON', () => {
    for (const good of ['{}', '{"auths":{"r":{"auth":"eA=="}}}', ' [1, -2.5e3, true, null, "\\u00e9"] ', '"x"'])
      expect(goJsonSyntaxError(good), good).toBeUndefined();
  });
  it('words what it refuses as kube-apiserver quoted it for docker config Secrets', () => {
    expect(goJsonSyntaxError('not json')).toBe("invalid character 'o' in literal null (expecting 'u')");
    expect(goJsonSyntaxError('{"a":')).toBe('unexpected end of JSON input');
    expect(goJsonSyntaxError('')).toBe('unexpected end of JSON input');
    expect(goJsonSyntaxError('{} x')).toBe("invalid character 'x' after top-level value");
    expect(goJsonSyntaxError('hello')).toBe("invalid character 'h' looking for beginning of value");
    expect(goJsonSyntaxError('{"auths" {}}')).toBe("invalid character '{' after object key");
  });
});
