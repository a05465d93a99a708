import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API tokens of operators and tools (hashes only), and the audit log of mutating API calls. */
export class ApiTokensAudit1733300000000 implements MigrationInterface {
  name = 'ApiTokensAudit1733300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_token (
        id           uuid PRIMARY KEY,
        name         text NOT NULL,
        token_hash   text NOT NULL UNIQUE,
        role         text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        scope        jsonb,
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL,
        expires_at   timestamptz,
        revoked_at   timestamptz,
        last_used_at timestamptz
      )`);
    await db.query(`CREATE INDEX api_token_created ON api_token (created_at, id)`);
    await db.query(`
      CREATE TABLE audit_log (
        id         bigserial PRIMARY KEY,
        at         timestamptz NOT NULL,
        actor_id   text NOT NULL,
        actor_name text NOT NULL,
        method     text NOT NULL,
        route      text NOT NULL,
        path       text NOT NULL,
        target     text NOT NULL,
        status     integer NOT NULL
      )`);
    await db.query(`CREATE INDEX audit_log_actor ON audit_log (actor_name, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_log`);
    await db.query(`DROP TABLE api_token`);
  }
}
