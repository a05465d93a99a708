import { describe, expect, it } from 'vitest';
import { holdsSecretValue, maskSecretText, secretValues } from './secret-values';

const secret = (fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, ...fields });

describe('secretValues', () => {
  it('gives every form a value may take elsewhere: as stored, decoded, base64 of stringData, JSON-escaped', () => {
    const values = secretValues(
      secret({ data: { a: Buffer.from('from-data').toString('base64') } }),
      secret({ stringData: { b: 'line one\n"two"' } }),
    );
    expect(values).toEqual(
      expect.arrayContaining([
        Buffer.from('from-data').toString('base64'),
        'from-data',
        'line one\n"two"',
        'line one\\n\\"two\\"',
        Buffer.from('line one\n"two"').toString('base64'),
      ]),
    );
    // Longest first, so that a value inside another is masked after it, never cutting it in two.
    expect(values).toEqual([...values].sort((x, y) => y.length - x.length));
  });

  it('ignores objects that are not Secrets and values too short to search for', () => {
    expect(secretValues({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'long-enough' } })).toEqual([]);
    expect(secretValues(secret({ stringData: { a: 'on' } }))).not.toContain('on');
  });
});

describe('maskSecretText', () => {
  it('masks every occurrence of every form, and leaves other text alone', () => {
    const values = secretValues(secret({ stringData: { password: 'hunter22' } }));
    const text = 'Secret "s" is invalid: data[password]: Invalid value: "hunter22" (aHVudGVyMjI=): hunter22';
    expect(maskSecretText(text, values)).toBe('Secret "s" is invalid: data[password]: Invalid value: "***" (***): ***');
    expect(holdsSecretValue(text, values)).toBe(true);
    expect(holdsSecretValue('nothing here', values)).toBe(false);
  });
});
