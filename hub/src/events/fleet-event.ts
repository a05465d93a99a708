/** What happened in the fleet; recorded on transitions only, never once per report. */
export type FleetEventType =
  | 'sync.succeeded'
  | 'sync.failed'
  | 'health.degraded'
  | 'health.recovered'
  | 'drift.detected'
  | 'drift.corrected'
  | 'rollout.started'
  | 'rollout.halted'
  | 'rollout.completed'
  | 'cluster.registered'
  | 'cluster.connected'
  | 'cluster.unreachable'
  | 'cluster.revoked'
  | 'fleet.commit.accepted'
  | 'fleet.commit.rejected';

export const FLEET_EVENT_TYPES: readonly FleetEventType[] = [
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
];

export type FleetEventSeverity = 'info' | 'warning' | 'error';

export interface FleetEvent {
  /** Increasing decimal id (a database sequence); also the keyset cursor. */
  id: string;
  type: FleetEventType;
  /** ISO 8601 time the hub recorded it. */
  at: string;
  severity: FleetEventSeverity;
  /** Cluster name (not id), when the event is about a cluster. */
  cluster: string | null;
  bundle: string | null;
  commit: string | null;
  message: string;
  details: Record<string, unknown>;
}

/** An event as its source describes it; the store gives it an id and a time. */
export type FleetEventDraft = Omit<FleetEvent, 'id' | 'at'>;

export function isFleetEventType(value: string): value is FleetEventType {
  return (FLEET_EVENT_TYPES as readonly string[]).includes(value);
}
