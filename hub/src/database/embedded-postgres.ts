import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { DatabaseConnection } from './data-source-options';

/**
 * PostgreSQL without a server: PGlite with its data on disk, behind pglite-socket on a random
 * loopback port so the hub talks to it through the same pg driver as to a real server.
 *
 * pglite-socket multiplexes connections onto one single-session backend message by message,
 * so two connections could interleave their extended-protocol messages; the hub therefore
 * uses a pool of exactly one connection (the server accepts a second for reconnects).
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly connection: DatabaseConnection,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    await mkdir(dataDir, { recursive: true });
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    let db: PGlite;
    try {
      db = await PGlite.create(dataDir);
    } catch (error) {
      // PGlite resumes any directory holding PG_VERSION; one whose first start (initdb, tens of
      // seconds of CPU on a busy machine) was cut short is resumed half-made and fails obscurely.
      const hint = fresh
        ? ''
        : ` If the hub was stopped during its first start, ${dataDir} may be half-initialized: move it away to start afresh (its data is lost).`;
      throw new Error(`HUB_DATA_DIR: the embedded PostgreSQL in ${dataDir} did not start: ${(error as Error).message}.${hint}`);
    }
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    try {
      await server.start();
    } catch (error) {
      await db.close();
      throw error;
    }
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return new EmbeddedPostgres(db, server, { url, poolSize: 1 });
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
