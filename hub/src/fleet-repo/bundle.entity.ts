import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BundleSpec } from './fleet-format';

/** A bundle of the last good commit of its fleet repository. */
@Entity({ name: 'bundle' })
export class BundleEntity {
  @PrimaryColumn({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'spec', type: 'jsonb' })
  spec!: BundleSpec;

  /** Fleet commit the spec was read at. */
  @Column({ name: 'commit', type: 'text' })
  commit!: string;

  /** Name of the fleet repository that declared it. */
  @Column({ name: 'fleet_repo', type: 'text', default: 'default' })
  fleetRepo!: string;

  /** Where it was declared, e.g. "fleet/web.yaml". */
  @Column({ name: 'file', type: 'text' })
  file!: string;
}
