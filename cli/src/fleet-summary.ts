import type { Bundle, BundleCluster, Cluster, FleetError, FleetRepo, HubSummary, Rollout } from './api';
import { age, shortCommit } from './render/cells';

/** What `gitfleet status` says about the fleet, computed from the API's answers alone. */

export interface Problem {
  kind: 'fleet-rejected' | 'fleet-unreachable' | 'fleet-pending' | 'unreachable' | 'failed' | 'degraded' | 'missing' | 'drifted' | 'halted';
  /** One line a person on call can act on. */
  text: string;
  /** More lines under it (a rejected commit's errors, file:line first). */
  details?: string[];
  /** Set on the line that stands for the problems of its kind not named: how many. */
  more?: number;
}

export interface FleetSummary {
  ok: boolean;
  fleet: { name: string; state: FleetRepo['state']; commit: string | null }[];
  clusters: {
    total: number;
    byState: Record<string, number>;
    byConnectivity: Record<string, number>;
    /** Active clusters the hub has not heard from: the first by name, and how many in all. */
    unreachable: string[];
    unreachableCount: number;
    /** Registered, waiting for approval: the first by name, and how many in all. */
    pending: string[];
    pendingCount: number;
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
  /** Drifted resources, over the whole fleet. */
  drifted: number;
  /** Every problem, those not named in `problems` too. */
  problemCount: number;
  /** The problems named (of a large fleet, the first few of each kind), each kind's remainder in a line of its own. */
  problems: Problem[];
}

/** A rejected commit's errors listed under its problem; the rest are counted. */
const MAX_ERRORS = 5;

/**
 * What `gitfleet status` reads: the hub's counts (GET /api/v1/summary, the bundles' placements)
 * and, of each kind of trouble, the first clusters by name — never the whole fleet, which at
 * 10,000 clusters is megabytes and thousands of lines.
 */
export interface StatusReadings {
  fleet: FleetRepo[];
  summary: HubSummary;
  /** The first active clusters that are unreachable. */
  unreachable: Cluster[];
  /** The first clusters awaiting approval. */
  pending: Cluster[];
  /** The first clusters with a drifted resource. */
  drifted: Cluster[];
  bundles: Bundle[];
  /** For the bundles whose counts have any: their first clusters where the bundle is failed, degraded or missing (the `bad` tone). */
  troubled: ReadonlyMap<string, readonly BundleCluster[]>;
  rollouts: Rollout[];
}

export function summariseFleet(r: StatusReadings, now: number): FleetSummary {
  const problems: Problem[] = r.fleet.flatMap((repo) => fleetProblems(repo, now));
  let problemCount = problems.length;
  /** Problems of one kind: those named, then a line for the rest of `total`. */
  const named = (kind: Problem['kind'], listed: Problem[], total: number, rest: (n: number) => string) => {
    problems.push(...listed);
    if (total > listed.length) problems.push({ kind, text: `… and ${rest(total - listed.length)}`, more: total - listed.length });
    problemCount += Math.max(total, listed.length);
  };
  const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);

  const s = r.summary;
  const unreachable = r.unreachable.filter((c) => c.state === 'active' && c.connectivity === 'unreachable');
  named(
    'unreachable',
    unreachable.map((c) => ({ kind: 'unreachable', text: `cluster ${c.name} is unreachable (${lastSeen(c.lastSeenAt, now)})` })),
    s.unreachableActive,
    (n) => `${n} more ${n === 1 ? 'cluster' : 'clusters'} unreachable (gitfleet clusters --state unreachable)`,
  );

  const byPhase: Record<string, number> = {};
  const byHealth: Record<string, number> = {};
  let placements = 0;
  let ready = 0;
  for (const b of r.bundles) {
    let bad = 0;
    for (const p of b.placements) {
      placements += p.clusters;
      add(byPhase, p.phase, p.clusters);
      add(byHealth, p.health, p.clusters);
      if (p.condition.tone === 'ok') ready += p.clusters;
      if (p.condition.tone === 'bad') bad += p.clusters;
    }
    const listed: Problem[] = [];
    for (const p of r.troubled.get(b.name) ?? []) {
      if (p.phase === 'failed')
        listed.push({
          kind: 'failed',
          text: `bundle ${b.name} failed on ${p.cluster}${p.health === 'unknown' ? '' : ` (health ${p.health})`}`,
        });
      else if (p.health === 'degraded' || p.health === 'missing')
        listed.push({ kind: p.health, text: `bundle ${b.name} is ${p.health} on ${p.cluster} (${p.condition.text})` });
    }
    named(
      listed[0]?.kind ?? 'failed',
      listed,
      bad,
      (n) =>
        `${n} more ${n === 1 ? 'cluster' : 'clusters'} where bundle ${b.name} is failed, degraded or missing (gitfleet bundles get ${b.name})`,
    );
  }

  const drift: Problem[] = [];
  for (const c of r.drifted)
    for (const b of c.bundles) {
      if (b.driftCount === 0) continue;
      drift.push({
        kind: 'drifted',
        text: `bundle ${b.bundle} has ${b.driftCount} drifted resource${b.driftCount === 1 ? '' : 's'} on ${c.name}; see: gitfleet diff ${c.name} ${b.bundle}`,
      });
    }
  named(
    'drifted',
    drift,
    s.drift.placements,
    (n) => `${n} more ${n === 1 ? 'bundle' : 'bundles'} with drift on other clusters (gitfleet clusters --drifted)`,
  );

  const rolloutsByState = { progressing: [] as string[], paused: [] as string[], halted: [] as string[], done: [] as string[] };
  for (const rollout of r.rollouts) {
    rolloutsByState[rollout.state].push(rollout.bundle);
    if (rollout.state === 'halted') {
      problems.push({ kind: 'halted', text: `rollout of ${rollout.bundle} is halted: ${rollout.halt?.message ?? 'no reason given'}` });
      problemCount++;
    }
  }

  return {
    ok: problemCount === 0,
    fleet: r.fleet.map((repo) => ({ name: repo.name, state: repo.state, commit: repo.commit })),
    clusters: {
      total: s.clusters,
      byState: s.states,
      byConnectivity: s.connectivity,
      unreachable: unreachable.map((c) => c.name),
      unreachableCount: s.unreachableActive,
      pending: r.pending.filter((c) => c.state === 'pending').map((c) => c.name),
      pendingCount: s.states.pending,
    },
    placements: { total: placements, byPhase, byHealth, ready },
    bundles: { total: r.bundles.length, pinned: r.bundles.filter((b) => b.pin !== null).map((b) => b.name) },
    rollouts: rolloutsByState,
    drifted: s.drift.resources,
    problemCount,
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
