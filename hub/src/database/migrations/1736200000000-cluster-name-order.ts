import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cluster lists are keyset pages in code-point order of the name (the API's cursor order, the
 * same as JavaScript's string order for DNS-1123 names): this index serves
 * `WHERE name COLLATE "C" > $cursor ORDER BY name COLLATE "C" LIMIT n` without reading the fleet.
 */
export class ClusterNameOrder1736200000000 implements MigrationInterface {
  name = 'ClusterNameOrder1736200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX cluster_name_c_idx ON cluster (name COLLATE "C")`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX cluster_name_c_idx`);
  }
}
