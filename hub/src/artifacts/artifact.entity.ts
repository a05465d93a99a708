import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One source artifact (docs/protocol.md "Artifacts"): a bundle's files at a commit, packed
 * once and served to every agent by any hub replica. Kept in PostgreSQL, so that a replica
 * needs no mirror of its own to serve it.
 */
@Entity({ name: 'artifact' })
@Index('artifact_content_key', ['contentKey'], { unique: true })
export class ArtifactEntity {
  /** "sha256:<hex>" of the uncompressed tar. */
  @PrimaryColumn({ name: 'digest', type: 'text' })
  digest!: string;

  /**
   * What the content was packed from: a hash of the render kind and the Git object ids of the
   * paths it holds. The same trees at any later commit find the artifact without packing.
   */
  @Column({ name: 'content_key', type: 'text' })
  contentKey!: string;

  /** Bytes of the uncompressed tar. */
  @Column({ name: 'size', type: 'bigint' })
  size!: string;

  /** The gzip stream agents fetch. */
  @Column({ name: 'data', type: 'bytea' })
  data!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Last packed or found by a fleet commit: collection waits an hour after it. */
  @Column({ name: 'used_at', type: 'timestamptz', default: () => 'now()' })
  usedAt!: Date;
}
