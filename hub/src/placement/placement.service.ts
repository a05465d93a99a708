import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ClustersService } from '../clusters/clusters.service';
import { Listeners } from '../events/listeners';
import { FleetRepoService, type FleetCommitAccepted } from '../fleet-repo/fleet-repo.service';
import { LOGGER, type Logger } from '../logging/logger';
import { TargetSetEntity } from './target-set.entity';
import { targetSetChecksum, targetsFor, type TargetSpec } from './target-set';

/** The whole desired state of one cluster at one revision. */
export interface CurrentTargetSet {
  clusterId: string;
  revision: string;
  checksum: string;
  targets: TargetSpec[];
}

/**
 * Keeps every cluster's TargetSet in step with the fleet and the cluster's labels. A new
 * revision is written only when the checksum changes; each change is announced so that the
 * gateway pushes it to the cluster's open session (no agent ever polls).
 */
@Injectable()
export class PlacementService implements OnModuleInit {
  readonly changed: Listeners<CurrentTargetSet[]>;
  private readonly log: Logger;
  /** Recomputations run one at a time, so revisions advance in the order changes happened. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectRepository(TargetSetEntity) private readonly targetSets: Repository<TargetSetEntity>,
    private readonly clusters: ClustersService,
    private readonly fleet: FleetRepoService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'placement' });
    this.changed = new Listeners((error) => this.log.error({ err: error }, 'reacting to a TargetSet change failed'));
  }

  onModuleInit(): void {
    this.fleet.accepted.add((fleet) => this.serialised(() => this.placeAll(fleet)));
    this.clusters.registered.add(({ clusterId, labels }) =>
      this.serialised(async () => {
        // Without an accepted fleet commit the hub does not know what the cluster should run;
        // an empty TargetSet would say "run nothing" (and, with prune, delete everything).
        // The cluster gets its TargetSet with the first accepted commit instead.
        const fleet = await this.fleet.current();
        if (fleet !== null) await this.place([{ id: clusterId, labels }], fleet);
      }),
    );
  }

  async current(clusterId: string): Promise<CurrentTargetSet | null> {
    const row = await this.ofCluster(clusterId);
    return row === null ? null : { clusterId, revision: row.revision, checksum: row.checksum, targets: row.targets };
  }

  /** The stored row, with what the agent acknowledged. */
  async ofCluster(clusterId: string): Promise<TargetSetEntity | null> {
    return this.targetSets.findOne({ where: { clusterId } });
  }

  async all(): Promise<TargetSetEntity[]> {
    return this.targetSets.find();
  }

  /** Records that the agent took a revision in hand; an older ack never overwrites a newer one. */
  async recordAck(clusterId: string, revision: string, checksum: string): Promise<void> {
    if (!/^\d{1,18}$/.test(revision)) return;
    await this.targetSets.query(
      `UPDATE target_set SET acked_revision = $2, acked_checksum = $3, acked_at = now()
       WHERE cluster_id = $1 AND revision >= $2 AND (acked_revision IS NULL OR acked_revision <= $2)`,
      [clusterId, revision, checksum.slice(0, 128)],
    );
  }

  private async placeAll(fleet: FleetCommitAccepted): Promise<void> {
    const clusters = await this.clusters.list();
    await this.place(clusters, fleet);
  }

  private async place(clusters: { id: string; labels: Record<string, string> }[], fleet: FleetCommitAccepted): Promise<void> {
    const known = new Map(
      (await this.targetSets.find({ select: { clusterId: true, checksum: true } })).map((t) => [t.clusterId, t.checksum]),
    );
    const changes: CurrentTargetSet[] = [];
    for (const cluster of clusters) {
      const targets = targetsFor(cluster, fleet.bundles, fleet);
      const checksum = targetSetChecksum(targets);
      if (known.get(cluster.id) === checksum) continue;
      const rows: { revision: string }[] = await this.targetSets.query(
        `INSERT INTO target_set (cluster_id, revision, checksum, targets, updated_at) VALUES ($1, 1, $2, $3, now())
         ON CONFLICT (cluster_id) DO UPDATE
           SET revision = target_set.revision + 1, checksum = EXCLUDED.checksum, targets = EXCLUDED.targets, updated_at = now()
           WHERE target_set.checksum <> EXCLUDED.checksum
         RETURNING revision::text AS revision`,
        [cluster.id, checksum, JSON.stringify(targets)],
      );
      if (rows.length === 0) continue;
      changes.push({ clusterId: cluster.id, revision: rows[0].revision, checksum, targets });
      this.log.info(
        { clusterId: cluster.id, revision: rows[0].revision, commit: fleet.commit, bundles: targets.map((t) => t.bundle) },
        'new TargetSet revision',
      );
    }
    if (changes.length > 0) await this.changed.emit(changes);
  }

  private serialised(work: () => Promise<void>): Promise<void> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
