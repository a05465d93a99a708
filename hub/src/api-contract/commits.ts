import { z } from 'zod';
import { Limit, named, oneOf, Sha } from './common';
import { RolloutState } from './bundles';
import { Condition } from './condition';
import { FleetError } from './fleet';

/**
 * GET /api/v1/commits/:commit — has a pushed commit reached the clusters? What a pipeline
 * asks after `git push`. A bundle's commit on a cluster is the commit of its source (the fleet
 * repository's, or the bundle's own source repository's) that the agent last reported.
 */

export const WaitFor = oneOf(['synced', 'healthy']);
export type WaitFor = z.infer<typeof WaitFor>;

/** Clusters a commit's answer lists when `limit` is not given. */
export const DEFAULT_COMMIT_LIMIT = 100;

export const CommitQuery = z.object({
  bundle: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('only this bundle; repeat for several (default: every bundle whose source is at the commit)'),
  for: WaitFor.optional().describe('synced (default): applied at the commit; healthy: applied and healthy'),
  limit: Limit.optional().describe(
    `the most clusters listed in the answer, over all its bundles (default ${DEFAULT_COMMIT_LIMIT}): failed first, then unreachable, waiting, reached; the counts cover every cluster`,
  ),
});
export type CommitQuery = z.infer<typeof CommitQuery>;

/** Per cluster: reached the commit in the state asked for, not yet, failed there, or unreachable (never counts as reached). */
export const CommitClusterState = z.enum(['reached', 'waiting', 'failed', 'unreachable']);
export type CommitClusterState = z.infer<typeof CommitClusterState>;

/**
 * unseen: no bundle's source is at the commit (yet: the hub fetches on its interval or a webhook);
 * rejected: it is the newest commit of a fleet repository and was refused;
 * superseded: it was accepted, and its fleet repository has moved on;
 * untraceable: it is a fleet repository's accepted commit, but no bundle takes its source from it;
 * progressing: some targeted cluster has not got there; reached: every one has; failed: one failed there.
 */
export const CommitState = z.enum(['unseen', 'rejected', 'superseded', 'untraceable', 'progressing', 'reached', 'failed']);
export type CommitState = z.infer<typeof CommitState>;

export const CommitCluster = z.strictObject({
  cluster: z.string(),
  state: CommitClusterState,
  condition: Condition,
  commit: z.string().nullable().describe('the commit the cluster last reported for the bundle'),
  message: z.string().describe('why it is not (yet) there'),
});
export type CommitCluster = z.infer<typeof CommitCluster>;

export const CommitCounts = z.strictObject({
  clusters: z.number().int(),
  reached: z.number().int(),
  waiting: z.number().int(),
  failed: z.number().int(),
  unreachable: z.number().int(),
});
export type CommitCounts = z.infer<typeof CommitCounts>;

export const CommitBundle = z.strictObject({
  bundle: z.string(),
  pin: Sha.nullable().describe('the fleet commit it is pinned to: its clusters get that, not this commit'),
  rollout: RolloutState.nullable(),
  counts: CommitCounts.describe('every cluster the bundle targets, listed or not'),
  clusters: z
    .array(CommitCluster)
    .describe('the clusters listed (the answer lists at most `limit` over all bundles: failed first, then unreachable, waiting, reached)'),
  unlisted: z.number().int().describe('targeted clusters the answer leaves out for its limit'),
});
export type CommitBundle = z.infer<typeof CommitBundle>;

export const CommitProgress = named(
  'CommitProgress',
  z.strictObject({
    commit: z.string().describe('as given, completed to 40 hex digits when the hub knows it'),
    for: WaitFor,
    state: CommitState,
    done: z.boolean().describe('nothing more will happen without a new push, an operator or a cluster coming back'),
    message: z.string(),
    rejected: z.strictObject({ repo: z.string(), errors: z.array(FleetError) }).nullable(),
    bundles: z.array(CommitBundle),
    counts: CommitCounts.describe('over every bundle waited for and every cluster it targets'),
  }),
);
export type CommitProgress = z.infer<typeof CommitProgress>;
