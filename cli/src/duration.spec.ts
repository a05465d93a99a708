import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['15', 15_000],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-1h', '0s', '10 minutes', 'h'])('refuses "%s"', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
