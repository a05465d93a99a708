import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What one cluster holds as a whole: the revision and checksum of its TargetSet, each bundle's
 * digest and revision, and what its agent acknowledged. Its targets are rows of
 * TargetSetTargetEntity (migration 1736900000000).
 */
@Entity({ name: 'target_set' })
export class TargetSetEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  /** Decimal string: pg returns bigint as text, so nothing is rounded. */
  @Column({ name: 'revision', type: 'bigint' })
  revision!: string;

  @Column({ name: 'checksum', type: 'text' })
  checksum!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Bundle → the revision in which its target last changed (rollouts wait for a report at or after it). */
  @Column({ name: 'bundle_revisions', type: 'jsonb', default: () => "'{}'" })
  bundleRevisions!: Record<string, string>;

  /** Bundle → hex SHA-256 of its target's canonical JSON; null on rows written before the column. */
  @Column({ name: 'target_digests', type: 'jsonb', nullable: true, select: false })
  targetDigests!: Record<string, string> | null;

  @Column({ name: 'acked_revision', type: 'bigint', nullable: true })
  ackedRevision!: string | null;

  @Column({ name: 'acked_checksum', type: 'text', nullable: true })
  ackedChecksum!: string | null;

  @Column({ name: 'acked_at', type: 'timestamptz', nullable: true })
  ackedAt!: Date | null;
}

/** One target of a cluster's TargetSet: a body shared by every cluster it selects, and the cluster's values. */
@Entity({ name: 'target_set_target' })
export class TargetSetTargetEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId!: string;

  @PrimaryColumn({ name: 'bundle', type: 'text' })
  bundle!: string;

  /** The target without its values: TargetBodyEntity.id. */
  @Column({ name: 'body_id', type: 'text' })
  bodyId!: string;

  @Column({ name: 'target_values', type: 'jsonb' })
  targetValues!: Record<string, string>;
}

/** A target without values, stored once however many clusters it selects; its id is the SHA-256 of its jsonb text. */
@Entity({ name: 'target_body' })
@Index('target_body_artifact_digest', ['artifactDigest'], { where: 'artifact_digest IS NOT NULL' })
export class TargetBodyEntity {
  @PrimaryColumn({ name: 'id', type: 'text' })
  id!: string;

  @Column({ name: 'target', type: 'jsonb' })
  target!: Record<string, unknown>;

  /** target.source.commit, for the readers that want only it. */
  @Column({ name: 'commit', type: 'text', nullable: true })
  commit!: string | null;

  /** target.artifact.digest: what artifact collection keeps. */
  @Column({ name: 'artifact_digest', type: 'text', nullable: true })
  artifactDigest!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
