import type { RolloutClusterFacts } from './rollout-store';

/** Reads the facts of one bundle's active clusters: all of them, or those of `ids`. */
export type ReadFacts = (bundle: string, ids?: readonly string[]) => Promise<RolloutClusterFacts[]>;

/**
 * The facts a rollout step plans on (RolloutStore.clusterFacts), kept between steps and read
 * again only for the clusters said to have changed since: a step runs after every status batch,
 * and reading the whole fleet each time was most of its cost at 10,000 clusters (bench/scale.ts,
 * BENCH_ROLLOUT).
 *
 * What changes the facts says so (`changed`): status batches, TargetSet writes, registrations
 * and revocations, here and, by signal, on the other hub replicas. `changedAll` marks
 * everything, and the step after reads every cluster again: the rollout tick does so, which
 * bounds what a lost signal or a change nobody announced can hide to one tick interval.
 */
export class RolloutFacts {
  private readonly bundles = new Map<string, Map<string, RolloutClusterFacts>>();
  private dirty = new Set<string>();
  private stale = false;

  constructor(private readonly read: ReadFacts) {}

  /** These clusters' facts may have changed. */
  changed(clusterIds: Iterable<string>): void {
    if (this.stale) return;
    for (const id of clusterIds) this.dirty.add(id);
  }

  /** Any cluster's facts may have changed: the next read reads them all. */
  changedAll(): void {
    this.stale = true;
    this.dirty.clear();
  }

  /**
   * The facts of each of these bundles' active clusters, as of now: read whole for a bundle not
   * held yet or after `changedAll`, otherwise only for the clusters changed since the last call.
   * Bundles not named are forgotten. A change announced while this reads is read by the next call.
   */
  async of(bundles: readonly string[]): Promise<Map<string, RolloutClusterFacts[]>> {
    const dirty = this.dirty;
    const stale = this.stale;
    this.dirty = new Set();
    this.stale = false;
    this.keepOnly(bundles);
    try {
      const read = await Promise.all(bundles.map(async (bundle) => [bundle, await this.refreshed(bundle, stale, dirty)] as const));
      return new Map(read.map(([bundle, facts]) => [bundle, [...facts.values()]]));
    } catch (error) {
      // What was read before the failure may be partial: everything is read again next time.
      this.bundles.clear();
      throw error;
    }
  }

  /**
   * Forgets every bundle (none is rolled out): the next read is whole, and until then changes
   * need no keeping.
   */
  forgetAll(): void {
    this.bundles.clear();
    this.changedAll();
  }

  /** Forgets the bundles not named (no longer rolled out). */
  keepOnly(bundles: readonly string[]): void {
    for (const name of this.bundles.keys()) if (!bundles.includes(name)) this.bundles.delete(name);
  }

  private async refreshed(bundle: string, stale: boolean, dirty: ReadonlySet<string>): Promise<Map<string, RolloutClusterFacts>> {
    const held = this.bundles.get(bundle);
    // Past half the fleet, one read of all of it costs no more than a read by ids.
    if (held === undefined || stale || dirty.size * 2 > held.size) {
      const facts = new Map((await this.read(bundle)).map((f) => [f.id, f]));
      this.bundles.set(bundle, facts);
      return facts;
    }
    if (dirty.size === 0) return held;
    const ids = [...dirty];
    const rows = await this.read(bundle, ids);
    // Replaced where it was (the facts stay in name order for the planner's sort); a cluster not
    // read back is no longer active.
    for (const row of rows) held.set(row.id, row);
    if (rows.length < ids.length) {
      const read = new Set(rows.map((r) => r.id));
      for (const id of ids) if (!read.has(id)) held.delete(id);
    }
    return held;
  }
}
