import { describe, expect, it } from 'vitest';
import { age, countList, labelList, shortCommit } from './cells';

describe('cells', () => {
  it('shortens commits to 7 hex digits, "-" for none', () => {
    expect(shortCommit('1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d')).toBe('1a2b3c4');
    expect(shortCommit(null)).toBe('-');
  });

  it('says how long ago in the largest sensible unit', () => {
    const now = Date.parse('2026-01-02T12:00:00.000Z');
    expect(age('2026-01-02T11:59:15.000Z', now)).toBe('45s');
    expect(age('2026-01-02T11:30:00.000Z', now)).toBe('30m');
    expect(age('2026-01-02T07:00:00.000Z', now)).toBe('5h');
    expect(age('2025-12-29T12:00:00.000Z', now)).toBe('4d');
    expect(age(null, now)).toBe('-');
  });

  it('lists labels and non-zero counts', () => {
    expect(labelList({ env: 'prod', region: 'eu' })).toBe('env=prod,region=eu');
    expect(labelList({})).toBe('<none>');
    expect(countList({ failed: 1, synced: 3, pending: 0 }, ['synced', 'pending', 'failed'])).toBe('3 synced, 1 failed');
    expect(countList({ synced: 0 })).toBe('none');
  });
});
