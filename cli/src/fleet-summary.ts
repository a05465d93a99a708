import type { Bundle, BundleCluster, Cluster, FleetError, FleetRepo, Rollout } from './api';
import { age, shortCommit } from './render/cells';

/** What `gitfleet status` says about the fleet, computed from the API's answers alone. */

export interface Problem {
  kind: 'fleet-rejected' | 'fleet-unreachable' | 'fleet-pending' | 'unreachable' | 'failed' | 'degraded' | 'missing' | 'drifted' | 'halted';
  /** One line a person on call can act on. */
  text: string;
  /** More lines under it (a rejected commit's errors, file:line first). */
  details?: string[];
}

export interface FleetSummary {
  ok: boolean;
  fleet: { name: string; state: FleetRepo['state']; commit: string | null }[];
  clusters: {
    total: number;
    byState: Record<string, number>;
    byConnectivity: Record<string, number>;
    /** Active clusters the hub has not heard from. */
    unreachable: string[];
    /** Registered, waiting for approval. */
    pending: string[];
  };
  placements: {
    /** Bundle × cluster pairs. */
    total: number;
    byPhase: Record<string, number>;
    byHealth: Record<string, number>;
    /** Synced and healthy on a reachable cluster. */
    ready: number;
  };
  bundles: { total: number; pinned: string[] };
  rollouts: { progressing: string[]; paused: string[]; halted: string[]; done: string[] };
  drifted: number;
  problems: Problem[];
}

/** A rejected commit's errors listed under its problem; the rest are counted. */
const MAX_ERRORS = 5;

/**
 * `troubled`: for the bundles whose counts have any, their clusters where the bundle is failed,
 * degraded or missing (the `bad` tone), by cluster name.
 */
export function summariseFleet(
  fleet: FleetRepo[],
  clusters: Cluster[],
  bundles: Bundle[],
  troubled: ReadonlyMap<string, readonly BundleCluster[]>,
  rollouts: Rollout[],
  now: number,
): FleetSummary {
  const problems: Problem[] = fleet.flatMap((repo) => fleetProblems(repo, now));
  const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);

  const byState: Record<string, number> = {};
  const byConnectivity: Record<string, number> = {};
  const unreachable: string[] = [];
  const pending: string[] = [];
  for (const c of clusters) {
    add(byState, c.state, 1);
    add(byConnectivity, c.connectivity, 1);
    if (c.state === 'pending') pending.push(c.name);
    if (c.state === 'active' && c.connectivity === 'unreachable') {
      unreachable.push(c.name);
      problems.push({ kind: 'unreachable', text: `cluster ${c.name} is unreachable (${lastSeen(c.lastSeenAt, now)})` });
    }
  }

  const byPhase: Record<string, number> = {};
  const byHealth: Record<string, number> = {};
  let placements = 0;
  let ready = 0;
  for (const b of bundles) {
    for (const p of b.placements) {
      placements += p.clusters;
      add(byPhase, p.phase, p.clusters);
      add(byHealth, p.health, p.clusters);
      if (p.condition.tone === 'ok') ready += p.clusters;
    }
    for (const p of troubled.get(b.name) ?? []) {
      if (p.phase === 'failed')
        problems.push({
          kind: 'failed',
          text: `bundle ${b.name} failed on ${p.cluster}${p.health === 'unknown' ? '' : ` (health ${p.health})`}`,
        });
      else if (p.health === 'degraded' || p.health === 'missing')
        problems.push({ kind: p.health, text: `bundle ${b.name} is ${p.health} on ${p.cluster} (${p.condition.text})` });
    }
  }

  let drifted = 0;
  for (const c of clusters) {
    for (const b of c.bundles) {
      if (b.driftCount === 0) continue;
      drifted += b.driftCount;
      problems.push({
        kind: 'drifted',
        text: `bundle ${b.bundle} has ${b.driftCount} drifted resource${b.driftCount === 1 ? '' : 's'} on ${c.name}; see: gitfleet diff ${c.name} ${b.bundle}`,
      });
    }
  }

  const rolloutsByState = { progressing: [] as string[], paused: [] as string[], halted: [] as string[], done: [] as string[] };
  for (const r of rollouts) {
    rolloutsByState[r.state].push(r.bundle);
    if (r.state === 'halted')
      problems.push({ kind: 'halted', text: `rollout of ${r.bundle} is halted: ${r.halt?.message ?? 'no reason given'}` });
  }

  return {
    ok: problems.length === 0,
    fleet: fleet.map((r) => ({ name: r.name, state: r.state, commit: r.commit })),
    clusters: { total: clusters.length, byState, byConnectivity, unreachable, pending },
    placements: { total: placements, byPhase, byHealth, ready },
    bundles: { total: bundles.length, pinned: bundles.filter((b) => b.pin !== null).map((b) => b.name) },
    rollouts: rolloutsByState,
    drifted,
    problems,
  };
}

/** A fleet repository that is not followed as it should be: its refused head, its failing fetch, or nothing accepted yet. */
export function fleetProblems(repo: FleetRepo, now: number): Problem[] {
  const problems: Problem[] = [];
  const serving = repo.commit === null ? 'no commit accepted yet' : `the clusters keep ${shortCommit(repo.commit)}`;
  if (repo.fetchError !== null) {
    problems.push({
      kind: 'fleet-unreachable',
      text: `fleet repository ${repo.name} cannot be fetched since ${age(repo.fetchError.since, now)} ago (${serving}): ${repo.fetchError.message}`,
    });
  }
  if (repo.rejected !== null) {
    const errors = repo.rejected.errors;
    problems.push({
      kind: 'fleet-rejected',
      text: `fleet repository ${repo.name}: commit ${shortCommit(repo.rejected.commit)} was rejected (${serving}); ${errors.length} error${errors.length === 1 ? '' : 's'}:`,
      details: [
        ...errors.slice(0, MAX_ERRORS).map((e) => fleetErrorLine(e)),
        ...(errors.length > MAX_ERRORS ? [`… and ${errors.length - MAX_ERRORS} more (gitfleet status -o json)`] : []),
      ],
    });
  }
  if (repo.state === 'pending' && problems.length === 0) {
    problems.push({ kind: 'fleet-pending', text: `fleet repository ${repo.name} has no accepted commit yet` });
  }
  return problems;
}

/** `fleet/web.yaml:7: spec.source.path: "apps/x" does not exist at this commit`, as compilers print errors. */
export function fleetErrorLine(e: FleetError): string {
  const where = [e.file, e.line].filter((p) => p !== null).join(':');
  return [where, e.field, e.message].filter((p) => p !== null && p !== '').join(': ');
}

function lastSeen(iso: string | null, now: number): string {
  return iso === null ? 'never seen' : `last seen ${age(iso, now)} ago`;
}
