import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { ClustersService } from '../clusters/clusters.service';
import { Listeners } from '../events/listeners';
import type { BundleSpec, ClusterGroupSpec } from '../fleet-repo/fleet-format';
import { FleetRepoService, type FleetCommitAccepted } from '../fleet-repo/fleet-repo.service';
import { LOGGER, type Logger } from '../logging/logger';
import { gateTargets, type RolloutGate } from '../rollout/rollout-gate';
import { bundleRevision, RolloutStore, type BundlePin } from '../rollout/rollout-store';
import { Batcher } from '../database/batcher';
import { TargetSetEntity } from './target-set.entity';
import { sha256Hex } from '#core';
import { TargetBuilder, targetDigest, targetSetJson, targetsFor, withPolicies, type TargetSpec } from './target-set';

/** The whole desired state of one cluster at one revision. */
export interface CurrentTargetSet {
  clusterId: string;
  revision: string;
  checksum: string;
  targets: TargetSpec[];
}

/** A cluster as placement sees it. */
export interface PlacementCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** The fleet as placement uses it: bundles and groups of every fleet repository. */
export interface PlacementFleet {
  bundles: BundleSpec[];
  groups: ClusterGroupSpec[];
}

/** A cluster's stored TargetSet as placement reads it (targets only where needed, see `previous`). */
export interface HeldTargetSet {
  id: string;
  revision: string;
  checksum: string;
  bundle_revisions: Record<string, string>;
  /** Bundle → targetDigest of its target. */
  digests: Record<string, string>;
  /** Stored before target digests: `digests` were computed from the targets. */
  digestsMissing: boolean;
  targets: TargetSpec[] | undefined;
}

interface PendingTargetSet {
  clusterId: string;
  checksum: string;
  targets: TargetSpec[];
  /** targetSetJson(targets): stored as is. */
  json: string;
  digests: Record<string, string>;
  bundleRevisions: Record<string, string>;
}

interface Ack {
  clusterId: string;
  revision: string;
  checksum: string;
}

/** TargetSets written per statement. */
const WRITE_CHUNK = 1000;
/** Chunks written at once (on as many pool connections). */
const WRITES_IN_FLIGHT = 3;

/**
 * Keeps every active cluster's TargetSet in step with the fleet, the cluster's labels, the
 * bundles' rollouts and pins. All TargetSets are computed in memory, the changed ones written
 * in a few multi-row statements (a new revision only where the checksum changes), and then
 * announced in one event so that the gateway pushes them to the open sessions.
 */
@Injectable()
export class PlacementService implements OnModuleInit, BeforeApplicationShutdown {
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
  /** Reads of current TargetSets (Hello, artifact checks), a batch per statement. */
  private readonly currents = new Batcher<string, CurrentTargetSet | null>((ids) => this.readCurrent(ids), { maxItems: 500, maxWaitMs: 5 });
  /** TargetSetAcks of all sessions, written a batch per statement. */
  private readonly acks = new Batcher<Ack, void>((batch) => this.writeAcks(batch), { maxItems: 2_000, maxWaitMs: 20 });

  constructor(
    @InjectRepository(TargetSetEntity) private readonly targetSets: Repository<TargetSetEntity>,
    private readonly clusters: ClustersService,
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

  /** Recomputes every TargetSet from the current fleet (after a rollout step, a pin, an unpin). */
  replaceAll(): Promise<void> {
    return this.serialised(async () => {
      const fleet = await this.fleet.current();
      if (fleet !== null) await this.placeAll(fleet);
    });
  }

  /** The TargetSet of an active cluster (a pending or revoked cluster gets none). */
  async current(clusterId: string): Promise<CurrentTargetSet | null> {
    return this.currents.submit(clusterId);
  }

  /** The TargetSets of a batch of clusters (Hellos of a reconnect storm), in one read. */
  private async readCurrent(clusterIds: string[]): Promise<(CurrentTargetSet | null)[]> {
    const rows: CurrentTargetSet[] = await this.targetSets.query(
      `SELECT t.cluster_id::text AS "clusterId", t.revision::text AS revision, t.checksum, t.targets
       FROM target_set t JOIN cluster c ON c.id = t.cluster_id
       WHERE t.cluster_id = ANY($1::uuid[]) AND c.state = 'active'`,
      [[...new Set(clusterIds)]],
    );
    const byId = new Map(rows.map((r) => [r.clusterId, r]));
    return clusterIds.map((id) => byId.get(id) ?? null);
  }

  /** The stored row, with what the agent acknowledged. */
  async ofCluster(clusterId: string): Promise<TargetSetEntity | null> {
    return this.targetSets.findOne({ where: { clusterId } });
  }

  async all(): Promise<TargetSetEntity[]> {
    return this.targetSets.find();
  }

  /** The stored rows of these clusters (a page of a list). */
  async ofClusters(clusterIds: string[]): Promise<TargetSetEntity[]> {
    return clusterIds.length === 0 ? [] : this.targetSets.find({ where: { clusterId: In(clusterIds) } });
  }

  /** What the fleet wants for each cluster before rollouts and pins (for the rollout planner). */
  desiredTargets(clusters: PlacementCluster[], fleet: PlacementFleet): Map<string, TargetSpec[]> {
    // With their repository's policy, as placement gives them: compared with held targets, which carry it.
    const builder = new TargetBuilder(fleet, (bundle) => this.fleet.policyOf(bundle.fleetRepo));
    return new Map(clusters.map((c) => [c.id, builder.targetsFor(c)]));
  }

  /**
   * Records that the agent took a revision in hand; an older ack never overwrites a newer one.
   * Acks of all sessions are written together (one UPDATE per batch); resolves once written.
   */
  async recordAck(clusterId: string, revision: string, checksum: string): Promise<void> {
    if (!/^\d{1,18}$/.test(revision)) return;
    await this.acks.submit({ clusterId, revision, checksum: checksum.slice(0, 128) });
  }

  /** Acks received before shutdown are written before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.acks.drain();
  }

  private async writeAcks(batch: Ack[]): Promise<void[]> {
    // The newest ack of each cluster in the batch is the one that counts.
    const newest = new Map<string, Ack>();
    for (const ack of batch) {
      const held = newest.get(ack.clusterId);
      if (held === undefined || BigInt(ack.revision) >= BigInt(held.revision)) newest.set(ack.clusterId, ack);
    }
    const acks = [...newest.values()];
    await this.targetSets.query(
      `UPDATE target_set t SET acked_revision = u.revision, acked_checksum = u.checksum, acked_at = now()
       FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS u(cluster_id, revision, checksum)
       WHERE t.cluster_id = u.cluster_id AND t.revision >= u.revision AND (t.acked_revision IS NULL OR t.acked_revision <= u.revision)`,
      [acks.map((a) => a.clusterId), acks.map((a) => a.revision), acks.map((a) => a.checksum)],
    );
    return batch.map(() => undefined);
  }

  private async placeAll(fleet: FleetCommitAccepted): Promise<void> {
    await this.place(await this.clusters.listActiveForPlacement(), fleet);
  }

  private async place(clusters: PlacementCluster[], accepted: FleetCommitAccepted): Promise<void> {
    const fleet = placementFleet(accepted);
    const gates = await this.rolloutGates(fleet);
    const pins = await this.pinnedSources();
    const previous = await this.previous(clusters, gates, pins);

    const fleetRepoOf = new Map(pins.map(({ pin }) => [pin.bundle, pin.fleetRepo]));
    for (const bundle of fleet.bundles) fleetRepoOf.set(bundle.name, bundle.fleetRepo);
    const policyOf = (repo: string) => this.fleet.policyOf(repo);
    const builder = new TargetBuilder(fleet, (bundle) => policyOf(bundle.fleetRepo));
    // Each chunk of changed TargetSets is written while the next is computed, a few chunks at a
    // time (on as many pool connections); they go out together once all are committed.
    // Announcing each chunk as it was written was slower at 10,000 clusters: the first agents'
    // acks and reports then competed on the hub's one event loop with the sends to all the
    // others (bench/scale.ts).
    const changes: CurrentTargetSet[] = [];
    const inFlight = new Set<Promise<void>>();
    const writeChunk = async (chunk: PendingTargetSet[]) => {
      const task = this.write(chunk).then((written) => void changes.push(...written));
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
    for (const cluster of clusters) {
      const before = previous.get(cluster.id);
      const held = before?.targets ?? [];
      const targets = withPolicies(
        gateTargets(cluster.id, builder.targetsFor(cluster), held, gates, pinnedTargets(cluster, pins, held)),
        (bundle) => fleetRepoOf.get(bundle),
        policyOf,
      );
      const json = targetSetJson(targets);
      const checksum = sha256Hex(json);
      if (before?.checksum === checksum) {
        if (before.digestsMissing) backfill.push({ clusterId: cluster.id, checksum, digests: before.digests });
        continue;
      }
      const digests = Object.fromEntries(targets.map((t) => [t.bundle, targetDigest(t)]));
      pending.push({ clusterId: cluster.id, checksum, targets, json, digests, bundleRevisions: bundleRevisionsAfter(before, digests) });
      if (pending.length === WRITE_CHUNK) {
        await writeChunk(pending);
        pending = [];
      }
    }
    if (pending.length > 0) await writeChunk(pending);
    await Promise.all(inFlight);
    if (changes.length > 0) {
      this.log.info({ commit: accepted.commit, clusters: changes.length }, 'new TargetSet revisions');
      await this.changed.emit(changes);
    }
    if (backfill.length > 0) await this.backfillDigests(backfill);
    await this.placed.emit();
  }

  /**
   * What each cluster holds now: revision, checksum, bundle revisions and target digests. The
   * targets themselves only where placement needs them — a rollout that has not admitted the
   * cluster keeps its held target, so does a pin whose commit cannot be read — or where a row
   * predates the digests.
   */
  private async previous(
    clusters: PlacementCluster[],
    gates: Map<string, RolloutGate>,
    pins: { pin: BundlePin; fleet: PlacementFleet | null }[],
  ): Promise<Map<string, HeldTargetSet>> {
    const rows = await this.targetSets.query<
      (Omit<HeldTargetSet, 'digests' | 'digestsMissing' | 'targets'> & { digests: Record<string, string> | null })[]
    >(
      `SELECT cluster_id::text AS id, revision::text AS revision, checksum, bundle_revisions, target_digests AS digests
       FROM target_set WHERE cluster_id = ANY($1::uuid[])`,
      [clusters.map((c) => c.id)],
    );
    const anyPinUnreadable = pins.some((p) => p.fleet === null);
    const gateList = [...gates.values()];
    const holdsFor = (id: string) => anyPinUnreadable || gateList.some((gate) => !gate.admitted.has(id));
    const missing = rows.filter((r) => r.digests === null || holdsFor(r.id)).map((r) => r.id);
    const targetsOf = new Map<string, TargetSpec[]>();
    for (let i = 0; i < missing.length; i += WRITE_CHUNK) {
      const read = await this.targetSets.query<{ id: string; targets: TargetSpec[] }[]>(
        `SELECT cluster_id::text AS id, targets FROM target_set WHERE cluster_id = ANY($1::uuid[])`,
        [missing.slice(i, i + WRITE_CHUNK)],
      );
      for (const row of read) targetsOf.set(row.id, row.targets);
    }
    return new Map(
      rows.map((row) => {
        const targets = targetsOf.get(row.id);
        const digests = row.digests ?? Object.fromEntries((targets ?? []).map((t) => [t.bundle, targetDigest(t)]));
        return [row.id, { ...row, digests, digestsMissing: row.digests === null, targets }];
      }),
    );
  }

  /** Rows stored before target digests, unchanged by this placement, get theirs once (so the next reads them small). */
  private async backfillDigests(rows: Pick<PendingTargetSet, 'clusterId' | 'checksum' | 'digests'>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      const chunk = rows.slice(i, i + WRITE_CHUNK);
      await this.targetSets.query(
        `UPDATE target_set t SET target_digests = u.digests
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS u(id, checksum, digests)
         WHERE t.cluster_id = u.id AND t.checksum = u.checksum AND t.target_digests IS NULL`,
        [chunk.map((r) => r.clusterId), chunk.map((r) => r.checksum), chunk.map((r) => JSON.stringify(r.digests))],
      );
    }
  }

  /** One multi-row statement for a chunk; a row is only rewritten (and its revision bumped) when its checksum changed. */
  private async write(chunk: PendingTargetSet[]): Promise<CurrentTargetSet[]> {
    // One JSON document with each TargetSet's canonical JSON embedded as it is: as array
    // parameters, pg escaped every quote of every TargetSet again, element by element.
    const document = `[${chunk
      .map(
        (p) =>
          `{"id":${JSON.stringify(p.clusterId)},"checksum":${JSON.stringify(p.checksum)},"targets":${p.json},` +
          `"bundle_revisions":${JSON.stringify(p.bundleRevisions)},"target_digests":${JSON.stringify(p.digests)}}`,
      )
      .join(',')}]`;
    const rows: { cluster_id: string; revision: string }[] = await this.targetSets.query(
      `INSERT INTO target_set (cluster_id, revision, checksum, targets, bundle_revisions, target_digests, updated_at)
       SELECT id, 1, checksum, targets, bundle_revisions, target_digests, now()
       FROM json_to_recordset($1::json) AS u(id uuid, checksum text, targets jsonb, bundle_revisions jsonb, target_digests jsonb)
       ON CONFLICT (cluster_id) DO UPDATE
         SET revision = target_set.revision + 1, checksum = EXCLUDED.checksum, targets = EXCLUDED.targets,
             bundle_revisions = EXCLUDED.bundle_revisions, target_digests = EXCLUDED.target_digests, updated_at = now()
         WHERE target_set.checksum <> EXCLUDED.checksum
       RETURNING cluster_id::text AS cluster_id, revision::text AS revision`,
      [document],
    );
    const byId = new Map(chunk.map((p) => [p.clusterId, p]));
    return rows.map((row) => {
      const { clusterId, checksum, targets } = byId.get(row.cluster_id)!;
      return { clusterId, revision: row.revision, checksum, targets };
    });
  }

  /** Bundles with a rollout: who is admitted to the revision now desired (nobody, for a new revision). */
  private async rolloutGates(fleet: PlacementFleet): Promise<Map<string, RolloutGate>> {
    const stored = await this.rollouts.rollouts();
    const gates = new Map<string, RolloutGate>();
    for (const bundle of fleet.bundles) {
      if (bundle.rollout === undefined) continue;
      const state = stored.get(bundle.name);
      gates.set(bundle.name, { admitted: new Set(state?.revision === bundleRevision(bundle) ? state.admitted : []) });
    }
    return gates;
  }

  private async pinnedSources(): Promise<{ pin: BundlePin; fleet: PlacementFleet | null }[]> {
    const pins = await this.rollouts.pins();
    const result: { pin: BundlePin; fleet: PlacementFleet | null }[] = [];
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

/** A pinned bundle's target on one cluster; when its commit cannot be read, the cluster keeps what it holds. */
function pinnedTargets(
  cluster: PlacementCluster,
  pins: { pin: BundlePin; fleet: PlacementFleet | null }[],
  held: TargetSpec[],
): Map<string, TargetSpec | null> {
  const result = new Map<string, TargetSpec | null>();
  for (const { pin, fleet } of pins) {
    if (fleet === null) {
      result.set(pin.bundle, held.find((t) => t.bundle === pin.bundle) ?? null);
      continue;
    }
    const spec = fleet.bundles.find((b) => b.name === pin.bundle);
    const target =
      spec === undefined
        ? undefined
        : targetsFor({ name: cluster.name, labels: cluster.labels }, { bundles: [spec], groups: fleet.groups })[0];
    result.set(pin.bundle, target ?? null);
  }
  return result;
}

/** The accepted fleet as placement reads it. */
export function placementFleet(accepted: FleetCommitAccepted): PlacementFleet {
  return { bundles: accepted.bundles, groups: accepted.groups };
}

/**
 * Bundle → the TargetSet revision in which its target last changed, for the revision about to
 * be written (the one after `before`'s): a bundle whose target is as before (same digest)
 * keeps its revision, a new or changed one gets the new revision.
 */
export function bundleRevisionsAfter(
  before: Pick<HeldTargetSet, 'revision' | 'bundle_revisions' | 'digests'> | undefined,
  digests: Record<string, string>,
): Record<string, string> {
  const next = before === undefined ? '1' : (BigInt(before.revision) + 1n).toString();
  return Object.fromEntries(
    Object.entries(digests).map(([bundle, digest]) => [
      bundle,
      before !== undefined && before.digests[bundle] === digest ? (before.bundle_revisions[bundle] ?? before.revision) : next,
    ]),
  );
}
