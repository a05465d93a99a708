import { describe, expect, it } from 'vitest';
import { visible, visibleStrings } from './visible';

describe('visible', () => {
  it('shows escape sequences, C1 controls and DEL instead of sending them to the terminal', () => {
    expect(visible('evil\u001b]0;pwned\u0007name\u001b[2J')).toBe('evil\\x1b]0;pwned\\x07name\\x1b[2J');
    expect(visible('a\u009b31mb\u007fc\rd')).toBe('a\\x9b31mb\\x7fc\\x0dd');
  });

  it('shows bidi overrides and invisible format characters', () => {
    expect(visible('invoice\u202egpj.exe')).toBe('invoice\\u202egpj.exe');
    expect(visible('a\u2066b\u2069c\u200bd\ufeff')).toBe('a\\u2066b\\u2069c\\u200bd\\ufeff');
  });

  it('keeps ordinary text, newlines, tabs and non-Latin letters as they are', () => {
    expect(visible('Deployment/web/web: ✓ ünïcode 日本\nline two\tcol')).toBe('Deployment/web/web: ✓ ünïcode 日本\nline two\tcol');
  });

  it('reaches every string of an answer, keys included, leaving numbers and booleans alone', () => {
    expect(visibleStrings({ items: [{ name: 'x\u001b', labels: { 'k\u001b': 'v\u009b' }, n: 1, ok: true, none: null }] })).toEqual({
      items: [{ name: 'x\\x1b', labels: { 'k\\x1b': 'v\\x9b' }, n: 1, ok: true, none: null }],
    });
  });
});
