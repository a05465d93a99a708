import { describe, expect, it } from 'vitest';
import { parseFieldSelector, matchesFields } from './field-selector';
import { SelectorError, matchesRequirements, parseLabelSelector, requirementsOfLabelSelector } from './label-selector';

const matches = (selector: string, labels: Record<string, string>) => matchesRequirements(labels, parseLabelSelector(selector));

describe('label selectors', () => {
  it('match equality, inequality and existence', () => {
    expect(matches('app=web,tier!=db', { app: 'web', tier: 'front' })).toBe(true);
    expect(matches('app==web', { app: 'api' })).toBe(false);
    expect(matches('tier!=db', {})).toBe(true);
    expect(matches('app,!legacy', { app: 'x' })).toBe(true);
    expect(matches('!legacy', { legacy: 'yes' })).toBe(false);
  });

  it('match set-based terms, commas inside parentheses included', () => {
    expect(matches('env in (prod, staging),app', { env: 'staging', app: 'a' })).toBe(true);
    expect(matches('env notin (prod)', { env: 'prod' })).toBe(false);
    expect(matches('env notin (prod)', {})).toBe(true);
  });

  it('refuse what the API refuses', () => {
    expect(() => parseLabelSelector('app in prod')).toThrow(SelectorError);
  });

  it('convert metav1.LabelSelector objects', () => {
    const requirements = requirementsOfLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
    });
    expect(matchesRequirements({ app: 'web', tier: 'front' }, requirements)).toBe(true);
    expect(matchesRequirements({ app: 'web', tier: 'db' }, requirements)).toBe(false);
  });
});

describe('field selectors', () => {
  it('match metadata.name and metadata.namespace', () => {
    const object = { metadata: { name: 'a', namespace: 'ns' } };
    expect(matchesFields(object, parseFieldSelector('metadata.name=a,metadata.namespace==ns'))).toBe(true);
    expect(matchesFields(object, parseFieldSelector('metadata.name!=a'))).toBe(false);
  });
});
