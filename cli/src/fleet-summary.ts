import type { Bundle, Cluster, Rollout } from './api';
import { age } from './render/cells';

/** What `gitfleet status` says about the fleet, computed from the API's lists alone. */

export interface Problem {
  kind: 'unreachable' | 'failed' | 'degraded' | 'missing' | 'halted';
  /** One line a person on call can act on. */
  text: string;
}

export interface FleetSummary {
  ok: boolean;
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
  };
  bundles: { total: number; pinned: string[] };
  rollouts: { progressing: string[]; paused: string[]; halted: string[]; done: string[] };
  problems: Problem[];
}

/** Health that counts as a problem besides degraded: resources that should exist and do not. */
const BAD_HEALTH = new Set(['degraded', 'missing']);

export function summariseFleet(clusters: Cluster[], bundles: Bundle[], rollouts: Rollout[], now: number): FleetSummary {
  const problems: Problem[] = [];
  const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

  const byState: Record<string, number> = {};
  const byConnectivity: Record<string, number> = {};
  const unreachable: string[] = [];
  const pending: string[] = [];
  for (const c of clusters) {
    count(byState, c.state);
    count(byConnectivity, c.connectivity);
    if (c.state === 'pending') pending.push(c.name);
    if (c.state === 'active' && c.connectivity === 'unreachable') {
      unreachable.push(c.name);
      problems.push({ kind: 'unreachable', text: `cluster ${c.name} is unreachable (${lastSeen(c.lastSeenAt, now)})` });
    }
  }

  const byPhase: Record<string, number> = {};
  const byHealth: Record<string, number> = {};
  let placements = 0;
  for (const b of bundles) {
    for (const p of b.clusters) {
      placements++;
      count(byPhase, p.phase);
      count(byHealth, p.health);
      if (p.phase === 'failed')
        problems.push({
          kind: 'failed',
          text: `bundle ${b.name} failed on ${p.cluster}${p.health === 'unknown' ? '' : ` (health ${p.health})`}`,
        });
      else if (BAD_HEALTH.has(p.health))
        problems.push({ kind: p.health as Problem['kind'], text: `bundle ${b.name} is ${p.health} on ${p.cluster} (${p.phase})` });
    }
  }

  const rolloutsByState = { progressing: [] as string[], paused: [] as string[], halted: [] as string[], done: [] as string[] };
  for (const r of rollouts) {
    if (r.state in rolloutsByState) rolloutsByState[r.state as keyof typeof rolloutsByState].push(r.bundle);
    if (r.state === 'halted')
      problems.push({ kind: 'halted', text: `rollout of ${r.bundle} is halted: ${r.halt?.message ?? 'no reason given'}` });
  }

  return {
    ok: problems.length === 0,
    clusters: { total: clusters.length, byState, byConnectivity, unreachable, pending },
    placements: { total: placements, byPhase, byHealth },
    bundles: { total: bundles.length, pinned: bundles.filter((b) => b.pin !== null).map((b) => b.name) },
    rollouts: rolloutsByState,
    problems,
  };
}

function lastSeen(iso: string | null, now: number): string {
  return iso === null ? 'never seen' : `last seen ${age(iso, now)} ago`;
}
