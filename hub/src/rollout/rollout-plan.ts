import type { HealthName, ReportedPhase } from '../status/report';

/** What planning needs of a bundle's `rollout` (fleet-format RolloutSpec satisfies it). */
export interface RolloutSpecInput {
  partitions: RolloutPartitionInput[];
  autoPartitionSize: number | string;
  maxUnavailable: number | string;
  pauseOnFailure: boolean;
}

export interface RolloutPartitionInput {
  name: string;
  maxUnavailable?: number | string;
}

/** A cluster the bundle selects, sorted by name by the planner. */
export interface RolloutCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Commit of the bundle's desired target on this cluster. */
  desiredCommit: string;
  /** Its TargetSet already holds the desired target (nothing to roll out there). */
  onDesired: boolean;
  /** When onDesired: the TargetSet revision in which that target arrived (null if not recorded). */
  sinceRevision: string | null;
}

/** The newest report of the bundle on one cluster. */
export interface RolloutClusterStatus {
  commit: string;
  phase: ReportedPhase;
  health: HealthName;
  /** `Kind/ns/name` of the first failed or degraded resource, if any. */
  brokenResource: string | null;
  message: string;
  /** TargetSet revision the agent held when it sent the report (null when it did not say). */
  targetSetRevision: string | null;
}

export interface RolloutInput {
  spec: RolloutSpecInput;
  clusters: RolloutCluster[];
  statuses: ReadonlyMap<string, RolloutClusterStatus>;
  /** Clusters already admitted to this revision. */
  admitted: ReadonlySet<string>;
  paused: boolean;
  /** Whether a named partition (group or selector) holds a cluster. */
  inPartition(partition: RolloutPartitionInput, cluster: RolloutCluster): boolean;
}

export type ClusterRolloutState = 'waiting' | 'updating' | 'done' | 'failed';
export type PartitionState = 'pending' | 'progressing' | 'done' | 'halted';
export type RolloutState = 'progressing' | 'done' | 'halted' | 'paused';

export interface HaltCause {
  reason: 'failure' | 'paused';
  cluster: string | null;
  resource: string | null;
  message: string;
}

export interface PlannedPartition {
  name: string;
  maxUnavailable: number;
  state: PartitionState;
  clusters: { id: string; name: string; state: ClusterRolloutState }[];
}

export interface RolloutPlan {
  /** Every cluster admitted to the revision after this step, sorted. */
  admitted: string[];
  /** Clusters admitted by this step. */
  newlyAdmitted: string[];
  state: RolloutState;
  halt: HaltCause | null;
  partitions: PlannedPartition[];
}

/** A count, or a percentage of `total` such as "25%"; never less than 1. */
export function resolveCount(value: number | string, total: number, round: 'down' | 'up'): number {
  let count: number;
  if (typeof value === 'number') count = value;
  else if (/^\d+(\.\d+)?%$/.test(value.trim())) {
    const exact = (Number(value.trim().slice(0, -1)) / 100) * total;
    count = round === 'up' ? Math.ceil(exact) : Math.floor(exact);
  } else count = Number(value);
  return Number.isFinite(count) && count >= 1 ? Math.floor(count) : 1;
}

/**
 * Named partitions in order, each holding the selected clusters it matches that no earlier
 * one took (the rest form a last partition "unpartitioned"); without named partitions,
 * automatic slices of `autoPartitionSize` clusters in name order.
 */
export function partitionClusters(
  input: Pick<RolloutInput, 'spec' | 'clusters' | 'inPartition'>,
): { spec: RolloutPartitionInput; clusters: RolloutCluster[] }[] {
  const clusters = [...input.clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (input.spec.partitions.length === 0) {
    const size = resolveCount(input.spec.autoPartitionSize, clusters.length, 'up');
    const slices: { spec: RolloutPartitionInput; clusters: RolloutCluster[] }[] = [];
    for (let i = 0; i < clusters.length; i += size) {
      slices.push({ spec: { name: `auto-${slices.length + 1}` }, clusters: clusters.slice(i, i + size) });
    }
    return slices;
  }
  let rest = clusters;
  const partitions = input.spec.partitions.map((spec) => {
    const members = rest.filter((c) => input.inPartition(spec, c));
    const taken = new Set(members);
    rest = rest.filter((c) => !taken.has(c));
    return { spec, clusters: members };
  });
  if (rest.length > 0) partitions.push({ spec: { name: 'unpartitioned' }, clusters: rest });
  return partitions;
}

/**
 * One step of a rollout. A partition is worked on only when every earlier one is done (each
 * of its clusters holds the desired target and reports it — the desired commit, from the
 * TargetSet revision that brought it or a later one — synced and healthy); within it at most
 * maxUnavailable clusters are updating at once. A failed or degraded admitted cluster halts
 * all admissions when pauseOnFailure is set; so does an operator's pause.
 */
export function planRollout(input: RolloutInput): RolloutPlan {
  const selected = new Set(input.clusters.map((c) => c.id));
  const admitted = new Set([...input.admitted].filter((id) => selected.has(id)));
  for (const c of input.clusters) if (c.onDesired) admitted.add(c.id);

  const stateOf = (c: RolloutCluster): ClusterRolloutState => {
    if (!admitted.has(c.id)) return 'waiting';
    const status = input.statuses.get(c.id);
    if (status === undefined || status.commit !== c.desiredCommit) return 'updating';
    // A report made before the cluster held its new target says nothing about it — the commit
    // can be the same when only values or patches changed.
    if (c.sinceRevision !== null && status.targetSetRevision !== null && revisionBefore(status.targetSetRevision, c.sinceRevision))
      return 'updating';
    if (status.phase === 'failed' || status.health === 'degraded') return 'failed';
    return status.phase === 'synced' && status.health === 'healthy' ? 'done' : 'updating';
  };

  const failed = input.clusters.filter((c) => stateOf(c) === 'failed').sort((a, b) => (a.name < b.name ? -1 : 1));
  const halt: HaltCause | null = input.paused
    ? { reason: 'paused', cluster: null, resource: null, message: 'paused by an operator' }
    : input.spec.pauseOnFailure && failed.length > 0
      ? failureCause(failed[0], input.statuses.get(failed[0].id)!)
      : null;

  const newlyAdmitted: string[] = [];
  const partitions: PlannedPartition[] = [];
  let blocked = false;
  for (const { spec, clusters } of partitionClusters(input)) {
    const maxUnavailable = resolveCount(spec.maxUnavailable ?? input.spec.maxUnavailable, clusters.length, 'down');
    if (!blocked && halt === null) {
      let slots = maxUnavailable - clusters.filter((c) => ['updating', 'failed'].includes(stateOf(c))).length;
      for (const c of clusters) {
        if (slots <= 0) break;
        if (admitted.has(c.id)) continue;
        admitted.add(c.id);
        newlyAdmitted.push(c.id);
        slots--;
      }
    }
    const members = clusters.map((c) => ({ id: c.id, name: c.name, state: stateOf(c) }));
    const done = members.every((m) => m.state === 'done');
    const started = members.some((m) => m.state !== 'waiting');
    const haltedHere = halt !== null && !done && (halt.reason === 'paused' ? !blocked : members.some((m) => m.state === 'failed'));
    const state: PartitionState = done ? 'done' : haltedHere ? 'halted' : started ? 'progressing' : 'pending';
    partitions.push({ name: spec.name, maxUnavailable, state, clusters: members });
    if (!done) blocked = true;
  }

  const allDone = partitions.every((p) => p.state === 'done');
  return {
    admitted: [...admitted].sort(),
    newlyAdmitted,
    state: input.paused ? 'paused' : halt !== null ? 'halted' : allDone ? 'done' : 'progressing',
    halt,
    partitions,
  };
}

/**
 * Whether TargetSet revision `a` is older than `b`: both bigint columns as decimal text, compared
 * without parsing (a step compares every cluster's, several times).
 */
export function revisionBefore(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

function failureCause(cluster: RolloutCluster, status: RolloutClusterStatus): HaltCause {
  const what = status.phase === 'failed' ? 'failed' : `is ${status.health}`;
  const resource = status.brokenResource;
  const detail = status.message !== '' ? `: ${status.message}` : '';
  return {
    reason: 'failure',
    cluster: cluster.name,
    resource,
    message: `cluster ${cluster.name} ${what}${resource === null ? '' : ` (${resource})`} at ${status.commit.slice(0, 12)}${detail}`,
  };
}
