import { firstBrokenResource, resourceName } from '../status/report';
import type { DesiredTarget } from './desired-targets';
import { forgetAbsent } from './kept-maps';
import type { RolloutCluster, RolloutClusterStatus } from './rollout-plan';
import type { RolloutClusterFacts } from './rollout-store';

interface Entry {
  facts: RolloutClusterFacts;
  target: DesiredTarget | null | undefined;
  digest: string | null;
  /** Null where the bundle does not target the cluster. */
  cluster: RolloutCluster | null;
}

/**
 * One rolled-out bundle's planner input, kept between steps. A cluster's RolloutCluster and
 * status are made again only when its facts (a new object from RolloutFacts), its desired target
 * (a new object from DesiredTargetCache) or the digest it holds changed: at 10,000 clusters,
 * making every one again after each status batch was a good part of a step's CPU and garbage
 * (bench/scale.ts, BENCH_ROLLOUT).
 */
export class RolloutInputs {
  private readonly entries = new Map<string, Entry>();
  private readonly statuses = new Map<string, RolloutClusterStatus>();

  /**
   * The clusters the bundle targets and every cluster's status, for planRollout. `statuses` is
   * this object's own map, changed in place by the next call.
   */
  update(
    facts: readonly RolloutClusterFacts[],
    desired: ReadonlyMap<string, DesiredTarget | null>,
    digestOf: (cluster: RolloutClusterFacts) => string | null,
  ): { selected: RolloutCluster[]; statuses: ReadonlyMap<string, RolloutClusterStatus> } {
    const selected: RolloutCluster[] = [];
    let kept = 0;
    let added = 0;
    for (const f of facts) {
      const target = desired.get(f.id);
      const digest = digestOf(f);
      let entry = this.entries.get(f.id);
      if (entry === undefined) added++;
      else kept++;
      if (entry === undefined || entry.facts !== f || entry.target !== target || entry.digest !== digest) {
        if (entry?.facts !== f) this.setStatus(f);
        entry = { facts: f, target, digest, cluster: target ? clusterOf(f, target, digest) : null };
        this.entries.set(f.id, entry);
      }
      if (entry.cluster !== null) selected.push(entry.cluster);
    }
    // Clusters gone since the last call.
    if (kept + added < this.entries.size) forgetAbsent(facts, this.entries, this.statuses);
    return { selected, statuses: this.statuses };
  }

  private setStatus({ id, status }: RolloutClusterFacts): void {
    if (status === null) {
      this.statuses.delete(id);
      return;
    }
    const broken = status.resources === null ? undefined : firstBrokenResource(status.resources);
    this.statuses.set(id, {
      commit: status.commit,
      phase: status.phase,
      health: status.health,
      brokenResource: broken === undefined ? null : resourceName(broken),
      message: status.message,
      targetSetRevision: status.targetSetRevision,
    });
  }
}

function clusterOf(facts: RolloutClusterFacts, target: DesiredTarget, digest: string | null): RolloutCluster {
  const onDesired = digest === target.digest;
  return {
    id: facts.id,
    name: facts.name,
    labels: facts.labels,
    desiredCommit: target.commit,
    onDesired,
    sinceRevision: onDesired ? facts.sinceRevision : null,
  };
}
