import { z } from 'zod';
import { KeyPageQuery, named, oneOf, pageOf, QueryText, Sha, Time } from './common';
import { Condition } from './condition';
import { BUNDLE_PHASES, BundleHealth, BundlePhase } from './status';

export const RolloutState = oneOf(['progressing', 'done', 'halted', 'paused']);
export type RolloutState = z.infer<typeof RolloutState>;

export const BundleClusterView = z.strictObject({
  cluster: z.string(),
  phase: BundlePhase,
  health: BundleHealth,
  condition: Condition,
  commit: z.string().nullable(),
});

export const BundleView = named(
  'BundleView',
  z.strictObject({
    name: z.string(),
    path: z.string(),
    commit: Sha.describe('the fleet commit that declared it'),
    pin: z.strictObject({ commit: Sha, pinnedAt: Time }).nullable(),
    rollout: RolloutState.nullable(),
    clusters: z.array(BundleClusterView),
    summary: z
      .strictObject(Object.fromEntries([['total', z.number().int()], ...BUNDLE_PHASES.map((p) => [p, z.number().int()])]))
      .describe('total, and a count per phase'),
  }),
);
export type BundleView = Omit<z.infer<typeof BundleView>, 'summary'> & { summary: Record<'total' | BundlePhase, number> };

export const BundlePage = named('BundlePage', pageOf(BundleView));

export const BundleListQuery = KeyPageQuery.extend({
  name: QueryText.optional().describe('exact bundle name'),
  phase: BundlePhase.optional().describe('bundles with at least one cluster in this phase'),
});
export type BundleListQuery = z.infer<typeof BundleListQuery>;
