import { describe, expect, it } from 'vitest';
import { selectorQuery } from './selector-query';

describe('selectorQuery: label= and selector= as one LabelSelector', () => {
  it('is undefined when neither is given', () => {
    expect(selectorQuery(undefined, undefined)).toBeUndefined();
    expect(selectorQuery(undefined, '')).toBeUndefined();
  });

  it('reads repeated label=k=v as matchLabels', () => {
    expect(selectorQuery(['env=prod', 'team=a'], undefined)).toEqual({ matchLabels: { env: 'prod', team: 'a' }, matchExpressions: [] });
  });

  it("reads kubectl's selector syntax", () => {
    expect(selectorQuery(undefined, 'env=prod,tier!=db,region in (eu, us),zone notin (z1),team,!legacy,x==y')?.matchExpressions).toEqual([
      { key: 'env', operator: 'In', values: ['prod'] },
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'region', operator: 'In', values: ['eu', 'us'] },
      { key: 'zone', operator: 'NotIn', values: ['z1'] },
      { key: 'team', operator: 'Exists', values: [] },
      { key: 'legacy', operator: 'DoesNotExist', values: [] },
      { key: 'x', operator: 'In', values: ['y'] },
    ]);
  });

  it.each([
    [['team'], undefined, /label must be key=value/],
    [undefined, 'a=b,,c', /selector term "" is not/],
    [undefined, 'a in b', /selector term "a in b" is not/],
    [undefined, ['a', 'b'], /selector must be given once/],
  ])('refuses %o %o naming the mistake', (label, selector, message) => {
    expect(() => selectorQuery(label, selector)).toThrow(
      expect.objectContaining({ response: expect.objectContaining({ code: 'invalid_argument', message: expect.stringMatching(message) }) }),
    );
  });
});
