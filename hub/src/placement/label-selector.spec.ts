import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../fleet-repo/fleet-format';
import { selectorMatches } from './label-selector';

const selector = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });

describe('selectorMatches', () => {
  const prodEu = { env: 'prod', region: 'eu-west' };

  it('matches everything with an empty selector', () => {
    expect(selectorMatches(selector({}), {})).toBe(true);
    expect(selectorMatches(selector({}), prodEu)).toBe(true);
  });

  it('requires every matchLabels entry', () => {
    expect(selectorMatches(selector({ matchLabels: { env: 'prod' } }), prodEu)).toBe(true);
    expect(selectorMatches(selector({ matchLabels: { env: 'prod', tier: 'web' } }), prodEu)).toBe(false);
    expect(selectorMatches(selector({ matchLabels: { env: 'staging' } }), prodEu)).toBe(false);
  });

  it('implements In, NotIn, Exists and DoesNotExist as Kubernetes does', () => {
    const expr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values: string[] = []) =>
      selector({ matchExpressions: [{ key: 'region', operator, values }] });
    expect(selectorMatches(expr('In', ['eu-west', 'eu-central']), prodEu)).toBe(true);
    expect(selectorMatches(expr('In', ['us-east']), prodEu)).toBe(false);
    expect(selectorMatches(expr('In', ['eu-west']), { env: 'prod' })).toBe(false);
    expect(selectorMatches(expr('NotIn', ['us-east']), prodEu)).toBe(true);
    expect(selectorMatches(expr('NotIn', ['eu-west']), prodEu)).toBe(false);
    expect(selectorMatches(expr('NotIn', ['eu-west']), { env: 'prod' })).toBe(true);
    expect(selectorMatches(expr('Exists'), prodEu)).toBe(true);
    expect(selectorMatches(expr('Exists'), { env: 'prod' })).toBe(false);
    expect(selectorMatches(expr('DoesNotExist'), prodEu)).toBe(false);
    expect(selectorMatches(expr('DoesNotExist'), { env: 'prod' })).toBe(true);
  });

  it('does not mistake inherited object properties for labels', () => {
    expect(selectorMatches(selector({ matchExpressions: [{ key: 'toString', operator: 'Exists', values: [] }] }), {})).toBe(false);
  });

  it('combines matchLabels and matchExpressions with AND', () => {
    const s = selector({ matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['us-east'] }] });
    expect(selectorMatches(s, prodEu)).toBe(false);
    expect(selectorMatches(s, { env: 'prod', region: 'us-east' })).toBe(true);
  });
});
