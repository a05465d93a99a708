import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { BundleStatusEntity } from './bundle-status.entity';
import type { ReceivedReport } from './report';

export interface StoreResult {
  /** False when (cluster, seq) was stored before: a re-sent report. */
  stored: boolean;
  /** True when the report is now the current status of its bundle (its seq is the highest). */
  current: boolean;
}

/** Reports from agents: history, idempotent on (cluster, seq), and the current status per bundle. */
@Injectable()
export class StatusService {
  constructor(@InjectRepository(BundleStatusEntity) private readonly statuses: Repository<BundleStatusEntity>) {}

  /**
   * Stores a report durably in one statement: into history unless (cluster, seq) is already
   * there, and as the bundle's current status only if its seq is above the stored one. When
   * this returns, the report survives a crash and may be acknowledged.
   */
  async store(clusterId: string, report: ReceivedReport): Promise<StoreResult> {
    const rows: { stored: string; current: string }[] = await this.statuses.query(
      `WITH inserted AS (
         INSERT INTO status_report
           (cluster_id, seq, bundle, commit, phase, message, resources, observed_at, target_set_revision, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
         ON CONFLICT (cluster_id, seq) DO NOTHING
         RETURNING cluster_id, seq, bundle, commit, phase, message, resources, observed_at
       ), current AS (
         INSERT INTO bundle_status (cluster_id, bundle, commit, phase, message, resources, last_seq, observed_at, updated_at)
         SELECT cluster_id, bundle, commit, phase, message, resources, seq, observed_at, now() FROM inserted
         ON CONFLICT (cluster_id, bundle) DO UPDATE
           SET commit = EXCLUDED.commit, phase = EXCLUDED.phase, message = EXCLUDED.message, resources = EXCLUDED.resources,
               last_seq = EXCLUDED.last_seq, observed_at = EXCLUDED.observed_at, updated_at = EXCLUDED.updated_at
           WHERE bundle_status.last_seq < EXCLUDED.last_seq
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM inserted)::text AS stored, (SELECT count(*) FROM current)::text AS current`,
      [
        clusterId,
        report.seq,
        report.bundle,
        report.commit,
        report.phase,
        report.message,
        JSON.stringify(report.resources),
        report.observedAt,
        report.targetSetRevision,
      ],
    );
    return { stored: rows[0].stored === '1', current: rows[0].current === '1' };
  }

  async ofCluster(clusterId: string): Promise<BundleStatusEntity[]> {
    return this.statuses.find({ where: { clusterId } });
  }

  async all(): Promise<BundleStatusEntity[]> {
    return this.statuses.find({ select: { clusterId: true, bundle: true, commit: true, phase: true } });
  }
}
