import { z } from 'zod';
import { KeyPageQuery, named, pageOf, Sha, Time } from './common';
import { RolloutState } from './bundles';

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
        clusters: z.array(z.strictObject({ name: z.string(), state: z.enum(['waiting', 'updating', 'done', 'failed']) })),
      }),
    ),
  }),
);
export type RolloutView = z.infer<typeof RolloutView>;

export const RolloutPage = named('RolloutPage', pageOf(RolloutView));

export const RolloutListQuery = KeyPageQuery.extend({ state: RolloutState.optional() });
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
