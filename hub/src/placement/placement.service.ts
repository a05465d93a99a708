import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ClusterReads } from '../clusters/cluster-reads.service';
import { ClustersService } from '../clusters/clusters.service';
import { Listeners } from '../events/listeners';
import { FleetRepoService, type FleetCommitAccepted } from '../fleet-repo/fleet-repo.service';
import { LOGGER, type Logger } from '../logging/logger';
import type { RolloutGate } from '../rollout/rollout-gate';
import { bundleRevision, RolloutStore } from '../rollout/rollout-store';
import { PlacementPass, type PinnedSource, type PlacementCluster, type PlacementFleet } from './placement-pass';
import { TargetBuilder, type KnownTargets, type TargetSpec } from './target-set';
import { TargetDigests } from './target-digests';
import { TARGET_SET_CHUNK, TargetSetStore, type CurrentTargetSet, type HeldTargetSet, type PendingTargetSet } from './target-set-store';

export type { CurrentTargetSet } from './target-set-store';
export type { PlacementCluster, PlacementFleet } from './placement-pass';

/** Each cluster's targets as the fleet wants them, and what the builder knows of them. */
export interface DesiredTargets {
  targets: Map<string, TargetSpec[]>;
  known: KnownTargets;
}

/** Chunks written at once (on as many pool connections). */
const WRITES_IN_FLIGHT = 3;

/**
 * Keeps every active cluster's TargetSet in step with the fleet, the cluster's labels, the
 * bundles' rollouts and pins. All TargetSets are computed in memory, the changed ones written
 * in a few multi-row statements (a new revision only where the checksum changes), and then
 * announced in one event so that the gateway pushes them to the open sessions.
 */
@Injectable()
export class PlacementService implements OnModuleInit {
  readonly changed: Listeners<CurrentTargetSet[]>;
  /** Fired after every placement pass (changed or not): the rollout service advances then. */
  readonly placed: Listeners<void>;
  private readonly log: Logger;
  /** Recomputations run one at a time, so revisions advance in the order changes happened. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Fleet commits never change: the bundles at a pinned commit are read once. */
  private readonly pinnedFleets = new Map<string, PlacementFleet | null>();
  /** Registered clusters waiting for the next placement run, and that run. */
  private registering: { clusters: Map<string, PlacementCluster>; run: Promise<void> } | undefined;
  /** The digests of the targets placed, remembered between passes. */
  private readonly digests = new TargetDigests();

  constructor(
    private readonly store: TargetSetStore,
    private readonly clusters: ClustersService,
    private readonly clusterReads: ClusterReads,
    private readonly fleet: FleetRepoService,
    private readonly rollouts: RolloutStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'placement' });
    this.changed = new Listeners((error) => this.log.error({ err: error }, 'reacting to a TargetSet change failed'));
    this.placed = new Listeners((error) => this.log.error({ err: error }, 'reacting to a placement failed'));
  }

  onModuleInit(): void {
    this.fleet.accepted.add((fleet) => this.serialised(() => this.placeAll(fleet)));
    this.clusters.registered.add(({ clusterId, name, labels }) => this.placeRegistered({ id: clusterId, name, labels }));
  }

  /**
   * Places a cluster that just registered. Registrations that arrive while a placement runs
   * share the next run (one read of the fleet, pins and rollouts, a few multi-row writes for
   * all of them) instead of one run each: a registration storm costs a run per batch.
   */
  private placeRegistered(cluster: PlacementCluster): Promise<void> {
    if (this.registering === undefined) {
      const clusters = new Map<string, PlacementCluster>();
      const run = this.serialised(async () => {
        // From here on, registrations wait for the next run.
        this.registering = undefined;
        // Without an accepted fleet commit the hub does not know what the cluster should run;
        // an empty TargetSet would say "run nothing" (and, with prune, delete everything).
        // The cluster gets its TargetSet with the first accepted commit instead.
        const fleet = await this.fleet.current();
        if (fleet !== null) await this.place([...clusters.values()], fleet);
      });
      this.registering = { clusters, run };
    }
    this.registering.clusters.set(cluster.id, cluster);
    return this.registering.run;
  }

  /**
   * Recomputes the TargetSets of these clusters only (read again, as they are now): a rollout
   * step admitted them, which changes what nothing else holds. At 10,000 clusters a whole
   * placement after each admission was most of a rollout's cost.
   */
  replaceClusters(ids: string[]): Promise<void> {
    return this.serialised(async () => {
      const fleet = await this.fleet.current();
      if (fleet !== null && ids.length > 0) await this.place(this.clusterReads.activeForPlacement(ids), fleet);
    });
  }

  /** Recomputes every TargetSet from the current fleet (after a pin, an unpin). */
  replaceAll(): Promise<void> {
    return this.serialised(async () => {
      const fleet = await this.fleet.current();
      if (fleet !== null) await this.placeAll(fleet);
    });
  }

  /** Resolves once the placement passes asked for so far are done, their TargetSets announced (or failed). */
  settled(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /**
   * What the fleet wants for each cluster before rollouts and pins (for the rollout planner), and
   * what the builder knows of those targets (their texts, for their digests).
   */
  desiredTargets(clusters: PlacementCluster[], fleet: PlacementFleet): DesiredTargets {
    // With their repository's policy, as placement gives them: compared with held targets, which carry it.
    const builder = new TargetBuilder(fleet, (bundle) => this.fleet.policyOf(bundle.fleetRepo));
    return { targets: new Map(clusters.map((c) => [c.id, builder.targetsFor(c)])), known: builder };
  }

  private async placeAll(fleet: FleetCommitAccepted): Promise<void> {
    await this.place(this.clusterReads.listActiveForPlacement(), fleet, { wholeFleet: true });
  }

  /**
   * `clusters` may still be being read: the fleet's clusters, its rollouts and pins are read at
   * once. `wholeFleet`: they are every active cluster (the digests remembered for others are let go).
   */
  private async place(
    clusters: PlacementCluster[] | Promise<PlacementCluster[]>,
    accepted: FleetCommitAccepted,
    { wholeFleet = false }: { wholeFleet?: boolean } = {},
  ): Promise<void> {
    const started = performance.now();
    const fleet = placementFleet(accepted);
    const [placed, gates, pins] = await Promise.all([clusters, this.rolloutGates(fleet), this.pinnedSources()]);
    const previous = await this.previous(placed, gates, pins, wholeFleet);
    const read = performance.now();

    const digests = this.digests.forPass(wholeFleet);
    const pass = new PlacementPass({ fleet, gates, pins, policyOf: (repo) => this.fleet.policyOf(repo) }, digests);
    // Each chunk of changed TargetSets is written while the next is computed, a few chunks at a
    // time (on as many pool connections); they go out together once all are committed.
    // Announcing each chunk as it was written was slower at 10,000 clusters: the first agents'
    // acks and reports then competed on the hub's one event loop with the sends to all the
    // others (bench/scale.ts).
    const changes: CurrentTargetSet[] = [];
    /** Clusters whose TargetSet another replica wrote after this pass read it: placed again, as they are now. */
    const overtaken: string[] = [];
    const inFlight = new Set<Promise<void>>();
    const writeChunk = async (chunk: PendingTargetSet[]) => {
      const task = this.store.write(chunk).then((written) => {
        changes.push(...written);
        if (written.length === chunk.length) return;
        const done = new Set(written.map((w) => w.clusterId));
        for (const p of chunk) if (!done.has(p.clusterId)) overtaken.push(p.clusterId);
      });
      inFlight.add(task);
      void task.then(
        () => inFlight.delete(task),
        () => undefined,
      );
      // A failed chunk ends the pass here; what was written is sent by the sessions' sweep.
      if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      // Lets the statement reach the database before the next chunk is computed.
      else await new Promise(setImmediate);
    };
    let pending: PendingTargetSet[] = [];
    const backfill: Pick<PendingTargetSet, 'clusterId' | 'checksum' | 'digests'>[] = [];
    for (const cluster of placed) {
      const placedSet = pass.place(cluster, previous.get(cluster.id));
      if (!placedSet.changed) {
        if (placedSet.backfill !== undefined) backfill.push(placedSet.backfill);
        continue;
      }
      pending.push(placedSet.pending);
      if (pending.length === TARGET_SET_CHUNK) {
        await writeChunk(pending);
        pending = [];
      }
    }
    if (pending.length > 0) await writeChunk(pending);
    await Promise.all(inFlight);
    digests.end();
    if (changes.length > 0) {
      // How long the pass took before any session hears of it: reading what the clusters hold,
      // then computing and writing the changed TargetSets (the two overlap).
      const ms = (from: number, to: number) => Math.round(to - from);
      this.log.info(
        { commit: accepted.commit, clusters: changes.length, readMs: ms(started, read), writtenMs: ms(read, performance.now()) },
        'new TargetSet revisions',
      );
      await this.changed.emit(changes);
    }
    if (backfill.length > 0) await this.store.backfillDigests(backfill);
    if (overtaken.length > 0) {
      this.log.info({ clusters: overtaken.length }, 'TargetSets written meanwhile by another replica; placing them again');
      // Queued behind this pass (awaiting it here would wait for this pass itself).
      void this.replaceClusters(overtaken).catch((error: unknown) => this.log.error({ err: error }, 'placing clusters again failed'));
    }
    await this.placed.emit();
  }

  /**
   * What each cluster holds now: revision, checksum, bundle revisions and target digests. The
   * targets themselves only where placement needs them — a rollout that has not admitted the
   * cluster keeps its held target, so does a pin whose commit cannot be read — or where a row
   * predates the digests. `wholeFleet`: `clusters` are every active cluster.
   */
  private async previous(
    clusters: PlacementCluster[],
    gates: Map<string, RolloutGate>,
    pins: PinnedSource[],
    wholeFleet: boolean,
  ): Promise<Map<string, HeldTargetSet>> {
    const anyPinUnreadable = pins.some((p) => p.fleet === null);
    const gateList = [...gates.values()];
    return this.store.held(
      clusters.map((c) => c.id),
      (id) => anyPinUnreadable || gateList.some((gate) => !gate.admitted.has(id)),
      { everyCluster: wholeFleet },
    );
  }

  /** Bundles with a rollout: who is admitted to the revision now desired (nobody, for a new revision). */
  private async rolloutGates(fleet: PlacementFleet): Promise<Map<string, RolloutGate>> {
    const stored = await this.rollouts.summaries();
    const gates = new Map<string, RolloutGate>();
    for (const bundle of fleet.bundles) {
      if (bundle.rollout === undefined) continue;
      const state = stored.get(bundle.name);
      gates.set(bundle.name, { admitted: new Set(state?.revision === bundleRevision(bundle) ? state.admitted : []) });
    }
    return gates;
  }

  private async pinnedSources(): Promise<PinnedSource[]> {
    const pins = await this.rollouts.pins();
    const result: PinnedSource[] = [];
    for (const pin of pins) {
      const key = `${pin.fleetRepo}\n${pin.commit}`;
      if (!this.pinnedFleets.has(key)) {
        const fleet = await this.fleet.bundlesAt(pin.fleetRepo, pin.commit);
        if (fleet === null) {
          // Not cached: the commit may become readable later (a fetch in progress).
          result.push({ pin, fleet: null });
          continue;
        }
        this.pinnedFleets.set(key, fleet);
      }
      result.push({ pin, fleet: this.pinnedFleets.get(key) ?? null });
    }
    return result;
  }

  private serialised(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** The accepted fleet as placement reads it. */
export function placementFleet(accepted: FleetCommitAccepted): PlacementFleet {
  return { bundles: accepted.bundles, groups: accepted.groups };
}
