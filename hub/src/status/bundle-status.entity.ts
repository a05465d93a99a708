import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ChangeSetSummary, HealthName, ReportReasonName, ReportedPhase, ResourceStatus } from './report';

/** The newest report (by seq) of one bundle on one cluster. */
@Entity({ name: 'bundle_status' })
@Index('bundle_status_bundle_idx', ['bundle'])
export class BundleStatusEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @PrimaryColumn({ name: 'bundle', type: 'text' })
  bundle!: string;

  @Column({ name: 'commit', type: 'text' })
  commit!: string;

  @Column({ name: 'phase', type: 'text' })
  phase!: ReportedPhase;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'resources', type: 'jsonb' })
  resources!: ResourceStatus[];

  /** numeric(20): a uint64 as a decimal string. */
  @Column({ name: 'last_seq', type: 'numeric', precision: 20, scale: 0 })
  lastSeq!: string;

  @Column({ name: 'observed_at', type: 'timestamptz', nullable: true })
  observedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

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

  /** The TargetSet revision the agent held when it sent this status (null from agents that do not say). */
  @Column({ name: 'target_set_revision', type: 'bigint', nullable: true })
  targetSetRevision!: string | null;

  /** The newest report that said synced: what the cluster runs of the bundle, whatever came after. */
  @Column({ name: 'applied_commit', type: 'text', nullable: true })
  appliedCommit!: string | null;

  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt!: Date | null;

  @Column({ name: 'applied_summary', type: 'jsonb', nullable: true })
  appliedSummary!: ChangeSetSummary | null;

  /** The resources of that report, with their health as it was then. */
  @Column({ name: 'applied_resources', type: 'jsonb', nullable: true })
  appliedResources!: ResourceStatus[] | null;
}
