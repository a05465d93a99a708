import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** pending: registered, waiting for approval (no TargetSet); active; revoked: credential invalidated. */
export type ClusterState = 'pending' | 'active' | 'revoked';

@Entity({ name: 'cluster' })
// Keyset pages in code-point order: `name COLLATE "C"`, which TypeORM cannot describe, so the
// migration (1736200000000) owns it and synchronize leaves it alone.
@Index('cluster_name_c_idx', { synchronize: false })
export class ClusterEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'name', type: 'text', unique: true })
  name!: string;

  /** UID of the cluster's kube-system namespace: its stable identity. */
  @Column({ name: 'kube_system_uid', type: 'text', unique: true })
  kubeSystemUid!: string;

  @Column({ name: 'labels', type: 'jsonb' })
  labels!: Record<string, string>;

  /** Hex SHA-256 of the whole credential; the credential itself is never stored. */
  @Column({ name: 'credential_hash', type: 'text' })
  credentialHash!: string;

  @Column({ name: 'agent_version', type: 'text' })
  agentVersion!: string;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'connected', type: 'boolean' })
  connected!: boolean;

  /** The hub replica whose session set `connected` (replica ids are new at every start). */
  @Column({ name: 'connected_replica', type: 'text', nullable: true })
  connectedReplica!: string | null;

  @Column({ name: 'state', type: 'text', default: 'active' })
  state!: ClusterState;

  @Column({ name: 'state_changed_at', type: 'timestamptz', nullable: true })
  stateChangedAt!: Date | null;
}
