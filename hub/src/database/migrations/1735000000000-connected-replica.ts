import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which hub replica holds a cluster's session. A replica marks a cluster disconnected only
 * if the session it held was the one recorded: an agent that moved to another replica stays
 * connected when its old session on the first one ends.
 */
export class ConnectedReplica1735000000000 implements MigrationInterface {
  name = 'ConnectedReplica1735000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE cluster ADD COLUMN connected_replica text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE cluster DROP COLUMN connected_replica`);
  }
}
