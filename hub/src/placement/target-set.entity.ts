import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TargetSpec } from './target-set';

/** The current TargetSet of one cluster and what its agent acknowledged. */
@Entity({ name: 'target_set' })
export class TargetSetEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  /** Decimal string: pg returns bigint as text, so nothing is rounded. */
  @Column({ name: 'revision', type: 'bigint' })
  revision!: string;

  @Column({ name: 'checksum', type: 'text' })
  checksum!: string;

  @Column({ name: 'targets', type: 'jsonb' })
  targets!: TargetSpec[];

  /** Bundle → the revision in which its target last changed (rollouts wait for a report at or after it). */
  @Column({ name: 'bundle_revisions', type: 'jsonb', default: () => "'{}'" })
  bundleRevisions!: Record<string, string>;

  /** Bundle → hex SHA-256 of its target's canonical JSON; null on rows written before the column. */
  @Column({ name: 'target_digests', type: 'jsonb', nullable: true, select: false })
  targetDigests!: Record<string, string> | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'acked_revision', type: 'bigint', nullable: true })
  ackedRevision!: string | null;

  @Column({ name: 'acked_checksum', type: 'text', nullable: true })
  ackedChecksum!: string | null;

  @Column({ name: 'acked_at', type: 'timestamptz', nullable: true })
  ackedAt!: Date | null;
}
