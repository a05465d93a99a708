import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ClustersService } from '../clusters/clusters.service';
import { FleetEventsService, type FleetEventDraft } from '../events/fleet-events.service';
import { rolloutTransitions } from '../events/rollout-transitions';
import type { RolloutPartitionSpec } from '../fleet-repo/fleet-format';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { SessionSignals } from '../gateway/session-signals';
import { LOGGER, type Logger } from '../logging/logger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { PlacementService, placementFleet } from '../placement/placement.service';
import { TargetSetStore } from '../placement/target-set-store';
import { targetSelects } from '../placement/target-set';
import { DesiredTargetCache } from './desired-targets';
import { StatusService } from '../status/status.service';
import { RolloutFacts } from './rollout-facts';
import { RolloutInputs } from './rollout-inputs';
import { planRollout } from './rollout-plan';
import { bundleRevision, RolloutStore, type RolloutClusterFacts } from './rollout-store';

/** pg_try_advisory_xact_lock key: only one hub replica advances rollouts at a time ("gfrollout"). */
export const ROLLOUT_LOCK_KEY = 0x6766726f6c6c6f75n;

/** A refused operator action; the controller maps the code to an HTTP status. */
export class RolloutActionError extends Error {
  constructor(
    readonly code: 'bundle_not_found' | 'rollout_not_found' | 'commit_not_found' | 'invalid_commit',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Advances every bundle's rollout: as reports arrive, after every placement, and on a timer as
 * the backstop. Each step plans all rollouts from the stored state and the newest reports,
 * saves them under a PostgreSQL advisory lock (one replica at a time), and re-places the
 * fleet when a step admitted clusters. What it plans on is kept between steps and read again
 * where it changed (RolloutFacts), and whole on every tick.
 */
@Injectable()
export class RolloutService implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The bundles the last step planned (undefined before the first): whose statuses call for a step. */
  private rolledOut: ReadonlySet<string> | undefined;
  /** The rolled-out bundles' targets on each cluster, kept between steps. */
  private readonly desired: DesiredTargetCache;
  /** What steps plan on of each cluster, kept between steps. */
  private readonly facts: RolloutFacts;
  /** Each rolled-out bundle's planner input, kept between steps. */
  private readonly inputs = new Map<string, RolloutInputs>();
  /** What the last forgetting of ended rollouts saw (fleet commit and pins), and when. */
  private forgotten: { key: string; at: number } | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: RolloutStore,
    private readonly placement: PlacementService,
    private readonly targetSets: TargetSetStore,
    private readonly status: StatusService,
    private readonly fleet: FleetRepoService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly events: FleetEventsService,
    private readonly clusters: ClustersService,
    private readonly signals: SessionSignals,
  ) {
    this.log = logger.child({ module: 'rollout' });
    this.desired = new DesiredTargetCache((clusters, fleet) => this.placement.desiredTargets(clusters, fleet));
    this.facts = new RolloutFacts((bundle, ids) => this.store.clusterFacts(bundle, ids));
  }

  onModuleInit(): void {
    // Whatever changes what a step plans on says which clusters it changed. The other replicas
    // hear of TargetSets and credentials (a re-registration's new labels, a revocation) by the
    // gateway's signals, of statuses by the one below.
    this.placement.changed.add((written) => this.facts.changed(written.map((t) => t.clusterId)));
    this.placement.placed.add(() => this.kick());
    this.clusters.registered.add(({ clusterId }) => this.facts.changed([clusterId]));
    this.clusters.credentialInvalidated.add(({ clusterId }) => this.facts.changed([clusterId]));
    this.signals.received.add((signal) => {
      if (signal.kind === 'missed') this.facts.changedAll();
      else if (signal.kind === 'credential') this.facts.changed([signal.clusterId]);
      else if (signal.kind === 'targetSets' || signal.kind === 'rolloutFacts') this.facts.changed(signal.clusterIds);
    });
    // Only a rolled-out bundle's status that changed what a step decides on calls for one: at
    // 10,000 clusters agents say the same status again on every resync. The tick catches the rest
    // (a halted rollout's broken resource changing while phase, health and message stay): it
    // reads every cluster's facts again.
    this.status.changed.add((changes) => {
      const relevant = this.rolledOut === undefined ? changes : changes.filter((c) => this.rolledOut!.has(c.bundle));
      if (relevant.length === 0) return;
      this.facts.changed(relevant.map((c) => c.clusterId));
      const decisive = relevant.filter((c) => c.decisive).map((c) => c.clusterId);
      if (decisive.length > 0) void this.signals.publish({ kind: 'rolloutFacts', clusterIds: [...new Set(decisive)] });
      if (decisive.length > 0 || this.rolledOut === undefined) this.kick();
    });
    this.timer = setInterval(() => this.tick(), this.config.rolloutTickIntervalMs);
    this.timer.unref();
  }

  /**
   * The backstop, every tick interval: a step on every cluster's facts read again, whatever was
   * announced. A lost signal, or a change that nothing announced, is planned on by then.
   */
  tick(): void {
    this.facts.changedAll();
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Asks for a step soon; steps never overlap, and requests during a step cause one more. */
  kick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.step();
        } catch (error) {
          this.log.error({ err: error }, 'advancing rollouts failed; will retry');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no step is running or asked for (tests, and callers that want the effect now). */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async pause(bundle: string): Promise<void> {
    await this.settled();
    if (!(await this.store.setPaused(bundle, true))) throw new RolloutActionError('rollout_not_found', `bundle "${bundle}" has no rollout`);
    this.log.info({ bundle }, 'rollout paused');
    await this.stepNow();
  }

  async resume(bundle: string): Promise<void> {
    await this.settled();
    if (!(await this.store.setPaused(bundle, false)))
      throw new RolloutActionError('rollout_not_found', `bundle "${bundle}" has no rollout`);
    this.log.info({ bundle }, 'rollout resumed');
    await this.stepNow();
  }

  /** Pins a bundle, on all its clusters, to its spec at an older accepted fleet commit. */
  async pin(bundle: string, commit: string): Promise<void> {
    if (!/^[0-9a-f]{40}$/.test(commit)) throw new RolloutActionError('invalid_commit', 'commit must be a full 40-hex SHA');
    const current = await this.fleet.current();
    const spec = current?.bundles.find((b) => b.name === bundle);
    if (spec === undefined) throw new RolloutActionError('bundle_not_found', `no bundle named "${bundle.slice(0, 63)}"`);
    const fleetRepo = spec.fleetRepo;
    const then = await this.fleet.bundlesAt(fleetRepo, commit);
    if (then === null)
      throw new RolloutActionError('commit_not_found', `${commit} is not an accepted commit of fleet repository "${fleetRepo}"`);
    if (!then.bundles.some((b) => b.name === bundle)) {
      throw new RolloutActionError('commit_not_found', `bundle "${bundle}" does not exist at ${commit}`);
    }
    await this.store.pin(bundle, fleetRepo, commit);
    this.forgotten = undefined;
    this.log.warn({ bundle, commit }, 'bundle pinned');
    await this.placement.replaceAll();
  }

  async unpin(bundle: string): Promise<void> {
    if (!(await this.store.unpin(bundle)))
      throw new RolloutActionError('bundle_not_found', `bundle "${bundle.slice(0, 63)}" is not pinned`);
    this.forgotten = undefined;
    this.log.info({ bundle }, 'bundle unpinned');
    await this.placement.replaceAll();
    await this.stepNow();
  }

  /** Runs a step now and waits for it (and for the re-placement it causes). */
  async stepNow(): Promise<void> {
    await this.settled();
    this.kick();
    await this.settled();
  }

  private async step(): Promise<void> {
    const accepted = await this.fleet.current();
    if (accepted === null) return;
    const fleet = placementFleet(accepted);
    // Pins matter only to bundles with a rollout: a fleet without any needs no read of them.
    const rolledOut = fleet.bundles.filter((b) => b.rollout !== undefined);
    const pinned = new Set(rolledOut.length === 0 ? [] : (await this.store.pins()).map((p) => p.bundle));
    const bundles = rolledOut.filter((b) => !pinned.has(b.name));
    this.rolledOut = new Set(bundles.map((b) => b.name));
    if (bundles.length === 0) {
      this.desired.keepOnly(this.rolledOut);
      this.facts.forgetAll();
      this.inputs.clear();
      // Nothing to plan: no per-cluster work at all, only forget rollouts that ended — once per
      // set of fleet commits and pins (a pin or unpin here starts over), and again each tick
      // interval for what another replica may have changed meanwhile. Steps run after every
      // placement and status batch: a DELETE on each was 2,215 statements in a cold start of
      // 10,000 agents.
      const key = JSON.stringify([accepted.commits, [...pinned].sort()]);
      const now = Date.now();
      if (this.forgotten?.key === key && now - this.forgotten.at < this.config.rolloutTickIntervalMs) return;
      await this.store.forgetAll();
      this.forgotten = { key, at: now };
      return;
    }
    this.forgotten = undefined;
    // One read of the fleet per rolled-out bundle, a few short columns a cluster: what each
    // holds is compared by digest (stored beside its TargetSet) with the bundle's targets
    // (kept between steps). A step runs after every status batch, over the whole fleet; reading
    // every TargetSet and status whole, and building every target again, made a rollout at
    // 10,000 clusters cost the hub 2.9 ms of CPU per cluster (bench/scale.ts, BENCH_ROLLOUT).
    this.desired.keepOnly(this.rolledOut);
    for (const name of this.inputs.keys()) if (!this.rolledOut.has(name)) this.inputs.delete(name);
    const factsOf = await this.facts.of(bundles.map((b) => b.name));
    const inputs = await Promise.all(
      bundles.map(async (bundle) => {
        const facts = factsOf.get(bundle.name)!;
        const digestOf = await this.heldDigests(bundle.name, facts);
        const desired = this.desired.of(bundle, fleet.groups, facts);
        let kept = this.inputs.get(bundle.name);
        if (kept === undefined) this.inputs.set(bundle.name, (kept = new RolloutInputs()));
        const { selected, statuses } = kept.update(facts, desired, digestOf);
        return { bundle, statuses, selected };
      }),
    );

    const newlyAdmitted: string[] = [];
    const transitions: FleetEventDraft[] = [];
    await this.db.transaction(async (tx) => {
      const [{ locked }] = await tx.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
        ROLLOUT_LOCK_KEY.toString(),
      ]);
      if (!locked) return;
      const stored = await this.store.summaries(tx);
      for (const { bundle, statuses, selected } of inputs) {
        const revision = bundleRevision(bundle);
        const previous = stored.get(bundle.name);
        const plan = planRollout({
          spec: bundle.rollout!,
          clusters: selected,
          statuses,
          admitted: new Set(previous?.revision === revision ? previous.admitted : []),
          paused: previous?.paused ?? false,
          inPartition: (partition, cluster) => targetSelects(partition as RolloutPartitionSpec, cluster, fleet.groups),
        });
        await this.store.save(
          {
            bundle: bundle.name,
            revision,
            commit: bundle.source.commit,
            state: plan.state,
            paused: previous?.paused ?? false,
            admitted: plan.admitted,
            partitions: plan.partitions,
            halt: plan.halt,
          },
          tx,
        );
        transitions.push(...rolloutTransitions({ bundle: bundle.name, commit: bundle.source.commit, revision, previous, next: plan }));
        if (plan.newlyAdmitted.length > 0) {
          newlyAdmitted.push(...plan.newlyAdmitted);
          this.log.info(
            { bundle: bundle.name, commit: bundle.source.commit, revision: revision.slice(0, 12), admitted: plan.newlyAdmitted.length },
            'rollout advanced',
          );
        }
        if (plan.halt !== null && plan.halt.reason === 'failure' && previous?.halt?.message !== plan.halt.message) {
          this.log.warn(
            { bundle: bundle.name, commit: bundle.source.commit, cluster: plan.halt.cluster, resource: plan.halt.resource },
            'rollout halted',
          );
        }
      }
      const live = new Set(inputs.map((i) => i.bundle.name));
      await this.store.forget(
        [...stored.keys()].filter((b) => !live.has(b)),
        tx,
      );
    });
    for (const draft of transitions) this.events.recordQuietly(draft);
    if (newlyAdmitted.length > 0) await this.placement.replaceClusters([...new Set(newlyAdmitted)]);
  }

  /**
   * The digest of the bundle's target each cluster holds. TargetSet rows stored before target
   * digests have their targets read (placement gives them digests as it passes).
   */
  private async heldDigests(bundle: string, facts: RolloutClusterFacts[]): Promise<(cluster: RolloutClusterFacts) => string | null> {
    const missing = facts.filter((f) => f.digestsMissing).map((f) => f.id);
    if (missing.length === 0) return (cluster) => cluster.digest;
    const held = await this.targetSets.held(missing, () => false);
    return (cluster) => (cluster.digestsMissing ? (held.get(cluster.id)?.digests[bundle] ?? null) : cluster.digest);
  }
}
