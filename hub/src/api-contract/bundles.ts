import { z } from 'zod';
import { KeyPageQuery, named, oneOf, pageOf, QueryText, Sha, Time } from './common';
import { Condition, Tone } from './condition';
import { BUNDLE_PHASES, BundleHealth, BundlePhase } from './status';

export const RolloutState = oneOf(['progressing', 'done', 'halted', 'paused']);
export type RolloutState = z.infer<typeof RolloutState>;

/** One cluster of a bundle (GET /api/v1/bundles/:name/clusters). */
export const BundleClusterView = named(
  'BundleClusterView',
  z.strictObject({
    cluster: z.string(),
    phase: BundlePhase,
    health: BundleHealth,
    condition: Condition,
    commit: z.string().nullable().describe('the commit of its newest report; null before the first'),
  }),
);
export type BundleClusterView = z.infer<typeof BundleClusterView>;

/** A bundle's clusters in one phase with one health. */
export const PlacementCount = z.strictObject({
  phase: BundlePhase,
  health: BundleHealth,
  condition: Condition,
  clusters: z.number().int(),
});
export type PlacementCount = z.infer<typeof PlacementCount>;

export const BundleView = named(
  'BundleView',
  z.strictObject({
    name: z.string(),
    path: z.string(),
    commit: Sha.describe('the fleet commit that declared it'),
    contentCommit: Sha.describe(
      'the commit its targets name, which its clusters report once they have it: `commit` (for a bundle from another repository, its commit there), or the earlier one it had when the fleet commits accepted since left it exactly as it was (spec and files)',
    ),
    pin: z.strictObject({ commit: Sha, pinnedAt: Time }).nullable(),
    rollout: RolloutState.nullable(),
    summary: z
      .strictObject(Object.fromEntries([['total', z.number().int()], ...BUNDLE_PHASES.map((p) => [p, z.number().int()])]))
      .describe('its clusters: total, and a count per phase'),
    placements: z
      .array(PlacementCount)
      .describe(
        'its clusters counted by phase and health together: each pair that occurs, once, in the order of phases and then of health; the clusters themselves are GET /api/v1/bundles/{name}/clusters',
      ),
  }),
);
export type BundleView = Omit<z.infer<typeof BundleView>, 'summary'> & { summary: Record<'total' | BundlePhase, number> };

export const BundlePage = named('BundlePage', pageOf(BundleView));

export const BundleListQuery = KeyPageQuery.extend({
  name: QueryText.optional().describe('exact bundle name'),
  phase: BundlePhase.optional().describe('bundles with at least one cluster in this phase'),
});
export type BundleListQuery = z.infer<typeof BundleListQuery>;

export const BundleClusterPage = named('BundleClusterPage', pageOf(BundleClusterView));

export const BundleClusterQuery = KeyPageQuery.extend({
  phase: BundlePhase.optional().describe('clusters where the bundle is in this phase'),
  tone: oneOf(Tone.options as [Tone, ...Tone[]])
    .optional()
    .describe('clusters where its condition has this tone (bad: failed, degraded or missing; unknown: the cluster is unreachable)'),
});
export type BundleClusterQuery = z.infer<typeof BundleClusterQuery>;
