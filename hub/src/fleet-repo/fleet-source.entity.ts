import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { FleetError } from './fleet-format';

/** Why the newest commit (or the fetch itself) was not accepted; commit is null for fetch failures. */
export interface FleetSourceError {
  commit: string | null;
  errors: FleetError[];
}

/** Where the fleet comes from and which commit of it the hub serves. */
@Entity({ name: 'fleet_source' })
@Unique('fleet_source_url_branch_path_key', ['url', 'branch', 'path'])
export class FleetSourceEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  /** The fleet repository's name (FLEET_REPOS); null for rows written before names existed. */
  @Column({ name: 'name', type: 'text', nullable: true })
  name!: string | null;

  /** Without userinfo. */
  @Column({ name: 'url', type: 'text' })
  url!: string;

  @Column({ name: 'branch', type: 'text' })
  branch!: string;

  @Column({ name: 'path', type: 'text' })
  path!: string;

  @Column({ name: 'last_good_commit', type: 'text', nullable: true })
  lastGoodCommit!: string | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: FleetSourceError | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', nullable: true })
  fetchedAt!: Date | null;
}
