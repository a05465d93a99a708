import { describe, expect, it } from 'vitest';
import { QuantityError, canonicalQuantity } from './quantity';

// Pairs answered by kube-apiserver v1.24 for a LimitRange's `max.cpu` (a resource list).
const RESOURCE_LIST: Record<string, string> = {
  '1000m': '1',
  '1024Mi': '1Gi',
  '0.5Gi': '512Mi',
  '1e3': '1e3',
  '2000000k': '2G',
  '0.1': '100m',
  '129e6': '129e6',
  '128974848': '128974848',
  '1.5': '1500m',
  '1.5e3': '1500',
  '0.1Gi': '107374182400m',
  '0.5Ki': '512',
  '1Ki': '1Ki',
  '1536Ki': '1536Ki',
  '100M': '100M',
  '0': '0',
  '0m': '0',
  '0Gi': '0',
  '1.': '1.',
  '+.5': '500m',
  '1n': '1m',
  '0.0000000001': '1m',
  '1E3': '1E3',
  '1e-3': '1e-3',
  '12e-2': '120e-3',
  '2.5Mi': '2560Ki',
  '3Ei': '3Ei',
  '1e21': '1e21',
  '1500u': '2m',
  '7Pi': '7Pi',
  '1024Ti': '1Pi',
  '1.5Gi': '1536Mi',
  '100Mi': '100Mi',
  '2048Gi': '2Ti',
  '0.25': '250m',
  '1e-9': '1e-3',
  '123456789n': '124m',
};

describe('canonicalQuantity', () => {
  it('answers every spelling as kube-apiserver does for a resource list', () => {
    const answered = Object.fromEntries(Object.keys(RESOURCE_LIST).map((q) => [q, canonicalQuantity(q, { resourceList: true })]));
    expect(answered).toEqual(RESOURCE_LIST);
  });

  it('keeps nano precision outside resource lists, and reads JSON numbers', () => {
    expect(canonicalQuantity('1500u')).toBe('1500u');
    expect(canonicalQuantity('0.0000000001')).toBe('1n');
    expect(canonicalQuantity(1.5)).toBe('1500m');
    expect(canonicalQuantity(2)).toBe('2');
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['one', '1Gb', '', '.', '1..2', '1 Gi']) expect(() => canonicalQuantity(bad), bad).toThrow(QuantityError);
  });
});
