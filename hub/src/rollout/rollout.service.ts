import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ClustersService } from '../clusters/clusters.service';
import { FleetEventsService, type FleetEventDraft } from '../events/fleet-events.service';
import { rolloutTransitions } from '../events/rollout-transitions';
import type { RolloutPartitionSpec } from '../fleet-repo/fleet-format';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { LOGGER, type Logger } from '../logging/logger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { PlacementService, placementFleet } from '../placement/placement.service';
import { TargetSetStore } from '../placement/target-set-store';
import { canonicalJson } from '#core';
import { targetSelects } from '../placement/target-set';
import { firstBrokenResource, resourceName } from '../status/report';
import { StatusService } from '../status/status.service';
import { planRollout, type RolloutCluster, type RolloutClusterStatus } from './rollout-plan';
import { bundleRevision, RolloutStore } from './rollout-store';

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
 * fleet when a step admitted clusters.
 */
@Injectable()
export class RolloutService implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** What the last forgetting of ended rollouts saw (fleet commit and pins), and when. */
  private forgotten: { key: string; at: number } | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: RolloutStore,
    private readonly placement: PlacementService,
    private readonly targetSets: TargetSetStore,
    private readonly clusters: ClustersService,
    private readonly status: StatusService,
    private readonly fleet: FleetRepoService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly events: FleetEventsService,
  ) {
    this.log = logger.child({ module: 'rollout' });
  }

  onModuleInit(): void {
    this.placement.placed.add(() => this.kick());
    this.status.changed.add(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.config.rolloutTickIntervalMs);
    this.timer.unref();
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
    if (bundles.length === 0) {
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
    const clusters = await this.clusters.listActiveForPlacement();
    const desired = this.placement.desiredTargets(clusters, fleet);
    const held = new Map((await this.targetSets.all()).map((t) => [t.clusterId, t]));
    const inputs = await Promise.all(
      bundles.map(async (bundle) => {
        const statuses = new Map<string, RolloutClusterStatus>();
        for (const s of await this.status.ofBundle(bundle.name)) {
          const broken = firstBrokenResource(s.resources);
          statuses.set(s.clusterId, {
            commit: s.commit,
            phase: s.phase,
            health: s.health,
            brokenResource: broken === undefined ? null : resourceName(broken),
            message: s.message,
            targetSetRevision: s.targetSetRevision,
          });
        }
        const selected: RolloutCluster[] = [];
        for (const cluster of clusters) {
          const target = desired.get(cluster.id)?.find((t) => t.bundle === bundle.name);
          if (target === undefined) continue;
          const set = held.get(cluster.id);
          const holding = set?.targets.find((t) => t.bundle === bundle.name);
          const onDesired = holding !== undefined && canonicalJson(holding) === canonicalJson(target);
          selected.push({
            id: cluster.id,
            name: cluster.name,
            labels: cluster.labels,
            desiredCommit: target.source?.commit ?? '',
            onDesired,
            sinceRevision: onDesired ? (set?.bundleRevisions[bundle.name] ?? null) : null,
          });
        }
        return { bundle, statuses, selected };
      }),
    );

    let admittedAny = false;
    const transitions: FleetEventDraft[] = [];
    await this.db.transaction(async (tx) => {
      const [{ locked }] = await tx.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [
        ROLLOUT_LOCK_KEY.toString(),
      ]);
      if (!locked) return;
      const stored = await this.store.rollouts(tx);
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
          admittedAny = true;
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
    if (admittedAny) await this.placement.replaceAll();
  }
}
