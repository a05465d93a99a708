import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Client certificates the hub's CA issued to agents (mutual TLS), by serial: which cluster each
 * is for, until when, and whether it was revoked. The revoked rows are the revocation list the
 * gateway checks at every Connect and every sweep; rows of expired certificates can go.
 */
export class ClientCertificates1736300000000 implements MigrationInterface {
  name = 'ClientCertificates1736300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE client_certificate (
      serial text PRIMARY KEY,
      cluster_id uuid NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,
      not_after timestamptz NOT NULL,
      issued_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz,
      revoked_reason text
    )`);
    await db.query(`CREATE INDEX client_certificate_cluster ON client_certificate (cluster_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE client_certificate`);
  }
}
