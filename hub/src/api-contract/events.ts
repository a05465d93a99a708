import { z } from 'zod';
import { IdCursor, Limit, named, oneOf, pageOf, QueryText, Time } from './common';

/** What happened in the fleet; recorded on transitions only, never once per report. */
export const FleetEventType = oneOf([
  'sync.succeeded',
  'sync.failed',
  'health.degraded',
  'health.recovered',
  'drift.detected',
  'drift.corrected',
  'rollout.started',
  'rollout.halted',
  'rollout.completed',
  'cluster.registered',
  'cluster.connected',
  'cluster.unreachable',
  'cluster.revoked',
  'fleet.commit.accepted',
  'fleet.commit.rejected',
  'fleet.commit.restored',
  'fleet.fetch.failed',
  'fleet.fetch.recovered',
]);
export type FleetEventType = z.infer<typeof FleetEventType>;

export const FleetEventSeverity = z.enum(['info', 'warning', 'error']);
export type FleetEventSeverity = z.infer<typeof FleetEventSeverity>;

export const FleetEvent = named(
  'FleetEvent',
  z.strictObject({
    id: z.string().describe('increasing decimal id; also the keyset cursor'),
    type: FleetEventType,
    at: Time,
    severity: FleetEventSeverity,
    cluster: z.string().nullable().describe('cluster name, when the event is about a cluster'),
    bundle: z.string().nullable(),
    commit: z.string().nullable(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
);
export type FleetEvent = z.infer<typeof FleetEvent>;

export const FleetEventPage = named('FleetEventPage', pageOf(FleetEvent));

export const EventListQuery = z.object({
  limit: Limit.optional(),
  cursor: IdCursor.optional(),
  cluster: QueryText.optional().describe('cluster name'),
  bundle: QueryText.optional().describe('bundle name'),
  type: FleetEventType.optional(),
  since: QueryText.optional().describe('ISO 8601 time: events recorded at or after it'),
});
export type EventListQuery = z.infer<typeof EventListQuery>;
