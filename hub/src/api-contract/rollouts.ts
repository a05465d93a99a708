import { z } from 'zod';
import { KeyPageQuery, MAX_LIMIT, named, pageOf, Sha, Time } from './common';
import { RolloutState } from './bundles';

/** Clusters a rollout lists, over all its partitions, when `clusters` is not given. */
export const DEFAULT_ROLLOUT_CLUSTERS = 100;

export const RolloutClusterState = z.enum(['waiting', 'updating', 'done', 'failed']);
export type RolloutClusterState = z.infer<typeof RolloutClusterState>;

const ClustersListed = z
  .string({ error: `must be an integer from 0 to ${MAX_LIMIT}` })
  .regex(/^\d{1,4}$/, { error: `must be an integer from 0 to ${MAX_LIMIT}` })
  .transform(Number)
  .refine((n) => n <= MAX_LIMIT, { error: `must be an integer from 0 to ${MAX_LIMIT}` })
  .describe(
    `the most clusters a rollout lists, over all its partitions (default ${DEFAULT_ROLLOUT_CLUSTERS}; 0 for counts only): failed first, then updating, waiting, done; the counts cover every cluster`,
  );

/** GET /api/v1/rollouts/:bundle (and its pause and resume). */
export const RolloutQuery = z.object({ clusters: ClustersListed.optional() });
export type RolloutQuery = z.infer<typeof RolloutQuery>;

export const RolloutView = named(
  'RolloutView',
  z.strictObject({
    bundle: z.string(),
    revision: z.string().describe("sha256 of the bundle's spec"),
    commit: z.string().describe('source commit being rolled out'),
    state: RolloutState,
    paused: z.boolean(),
    halt: z
      .strictObject({
        reason: z.enum(['failure', 'paused']),
        cluster: z.string().nullable(),
        resource: z.string().nullable(),
        message: z.string(),
      })
      .nullable(),
    startedAt: Time,
    updatedAt: Time,
    partitions: z.array(
      z.strictObject({
        name: z.string(),
        state: z.enum(['pending', 'progressing', 'done', 'halted']),
        maxUnavailable: z.number().int(),
        counts: z
          .strictObject({ waiting: z.number().int(), updating: z.number().int(), done: z.number().int(), failed: z.number().int() })
          .describe("the partition's clusters by state, every one the caller may see, listed or not"),
        clusters: z
          .array(z.strictObject({ name: z.string(), state: RolloutClusterState }))
          .describe(
            'the clusters listed (at most `clusters` over the whole rollout: failed first, then updating, waiting, done; by name within each)',
          ),
        unlisted: z.number().int().describe("the partition's clusters the answer leaves out for its `clusters` limit"),
      }),
    ),
  }),
);
export type RolloutView = z.infer<typeof RolloutView>;

export const RolloutPage = named('RolloutPage', pageOf(RolloutView));

export const RolloutListQuery = KeyPageQuery.extend({ state: RolloutState.optional(), clusters: ClustersListed.optional() });
export type RolloutListQuery = z.infer<typeof RolloutListQuery>;

export const PinView = named('PinView', z.strictObject({ bundle: z.string(), commit: Sha, pinnedAt: Time }));
export type PinView = z.infer<typeof PinView>;

export const PinPage = named('PinPage', pageOf(PinView));

/** POST /api/v1/bundles/:name/pin */
export const PinRequest = named(
  'PinRequest',
  z.object(
    { commit: z.string({ error: 'must be a 40-hex SHA, as in {"commit": "<40-hex SHA>"}' }) },
    { error: 'must be {"commit": "<40-hex SHA>"}' },
  ),
);
export type PinRequest = z.infer<typeof PinRequest>;
