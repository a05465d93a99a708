/**
 * The hub's answers as the CLI reads them (docs/api.md). The CLI keeps its own copy rather
 * than importing the hub's, so that the binary depends on the wire format only.
 */

export interface Page<T> {
  items: T[];
  next?: string | null;
}

export interface ClusterBundle {
  bundle: string;
  desiredCommit: string;
  commit: string | null;
  phase: string;
  health: string;
  driftCount: number;
  lastReportAt: string | null;
  rollout: string | null;
}

export interface Cluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  connectivity: string;
  connected: boolean;
  lastSeenAt: string | null;
  targetSet: { revision: string; checksum: string; ackedRevision: string | null } | null;
  bundles: ClusterBundle[];
}

export interface Resource {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: string;
  error: string;
  health: string;
  healthMessage: string;
  drifted: boolean;
  driftDiff: string;
}

export interface ClusterBundleDetail extends ClusterBundle {
  lastKnownPhase: string;
  lastKnownHealth: string;
  message: string;
  observedAt: string | null;
  syncStartedAt: string | null;
  summary: Record<string, number> | null;
  resources: Resource[];
}

export interface ClusterDetail extends Omit<Cluster, 'bundles'> {
  registeredAt: string;
  stateChangedAt: string | null;
  bundles: ClusterBundleDetail[];
}

export interface Bundle {
  name: string;
  path: string;
  commit: string;
  pin: { commit: string; pinnedAt: string } | null;
  rollout: string | null;
  clusters: { cluster: string; phase: string; health: string; commit: string | null }[];
  summary: Record<string, number>;
}

export interface Rollout {
  bundle: string;
  revision: string;
  commit: string;
  state: string;
  paused: boolean;
  halt: { reason: string; cluster?: string; resource?: string; message: string } | null;
  startedAt: string;
  updatedAt: string;
  partitions: { name: string; state: string; maxUnavailable: number; clusters: { name: string; state: string }[] }[];
}

export interface Pin {
  bundle: string;
  commit: string;
  pinnedAt: string;
}

export interface BootstrapToken {
  id: string;
  description: string;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  createdAt: string;
  revokedAt: string | null;
  state: string;
}

export interface HistoryEntry {
  id: string;
  cluster: string;
  bundle: string;
  commit: string;
  result: string;
}

/**
 * One fleet event (GET /api/v1/events). Read loosely: only `id`, a time and a type are
 * relied on; whatever else it carries is shown when present.
 */
export interface HubEvent {
  id?: string | number;
  type?: string;
  cluster?: string | null;
  bundle?: string | null;
  commit?: string | null;
  message?: string | null;
  at?: string;
  time?: string;
  createdAt?: string;
  occurredAt?: string;
  [field: string]: unknown;
}

/** Phases and health in the order the API documents them, for stable summaries. */
export const PHASES = ['synced', 'rolling-out', 'pending', 'waiting', 'paused', 'suspended', 'failed', 'unknown'] as const;
export const HEALTHS = ['healthy', 'progressing', 'suspended', 'missing', 'degraded', 'unknown'] as const;
