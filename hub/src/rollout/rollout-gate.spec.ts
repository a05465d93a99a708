import { Target } from '#proto';
import { describe, expect, it } from 'vitest';
import { gateTargets } from './rollout-gate';

const target = (bundle: string, commit: string) => Target.fromPartial({ bundle, source: { repoUrl: 'r', commit, path: bundle } });

describe('gateTargets', () => {
  const desired = [target('api', 'new'), target('web', 'new')];
  const previous = [target('web', 'old')];

  it('gives the desired targets when no rollout or pin applies', () => {
    expect(gateTargets('c1', desired, previous, new Map(), new Map())).toEqual(desired);
  });

  it('keeps the previous target of a bundle whose rollout has not admitted the cluster, or leaves it out', () => {
    const rollouts = new Map([
      ['web', { admitted: new Set<string>() }],
      ['api', { admitted: new Set<string>() }],
    ]);
    expect(gateTargets('c1', desired, previous, rollouts, new Map())).toEqual([target('web', 'old')]);
    expect(gateTargets('c1', desired, previous, new Map([['web', { admitted: new Set(['c1']) }]]), new Map())).toEqual(desired);
  });

  it('puts pins above rollouts, including pins that select the cluster no longer or not at all', () => {
    const rollouts = new Map([['web', { admitted: new Set(['c1']) }]]);
    expect(gateTargets('c1', desired, previous, rollouts, new Map([['web', target('web', 'pinned')]]))).toEqual([
      target('api', 'new'),
      target('web', 'pinned'),
    ]);
    expect(gateTargets('c1', desired, previous, rollouts, new Map([['web', null]]))).toEqual([target('api', 'new')]);
    expect(gateTargets('c1', [], [], new Map(), new Map([['gone', target('gone', 'pinned')]]))).toEqual([target('gone', 'pinned')]);
  });
});
