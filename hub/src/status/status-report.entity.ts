import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ChangeSetSummary, HealthName, ReportReasonName, ReportedPhase, ResourceStatus } from './report';

/** Every report received, once per (cluster, seq): the idempotency key of the protocol. */
@Entity({ name: 'status_report' })
@Index('status_report_received_at_idx', ['receivedAt']) // retention prunes by age
export class StatusReportEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @PrimaryColumn({ name: 'seq', type: 'numeric', precision: 20, scale: 0 })
  seq!: string;

  @Column({ name: 'bundle', type: 'text' })
  bundle!: string;

  @Column({ name: 'commit', type: 'text' })
  commit!: string;

  @Column({ name: 'phase', type: 'text' })
  phase!: ReportedPhase;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'resources', type: 'jsonb' })
  resources!: ResourceStatus[];

  @Column({ name: 'observed_at', type: 'timestamptz', nullable: true })
  observedAt!: Date | null;

  @Column({ name: 'target_set_revision', type: 'bigint', nullable: true })
  targetSetRevision!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'health', type: 'text', default: 'unspecified' })
  health!: HealthName;

  @Column({ name: 'summary', type: 'jsonb', nullable: true })
  summary!: ChangeSetSummary | null;

  @Column({ name: 'drift_count', type: 'integer', default: 0 })
  driftCount!: number;

  @Column({ name: 'sync_started_at', type: 'timestamptz', nullable: true })
  syncStartedAt!: Date | null;

  @Column({ name: 'reason', type: 'text', default: 'unspecified' })
  reason!: ReportReasonName;
}
