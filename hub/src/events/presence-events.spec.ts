import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { dataSourceOptions } from '../database/data-source-options';
import { LAST_PRESENCE_SQL } from './presence-events.service';

/**
 * The read behind every connect and disconnect announcement, on the migrated schema of a fresh
 * database that PostgreSQL has no statistics of yet (no ANALYZE, as with autovacuum off or in the
 * first minute): a fleet's connects must not each read every presence event of the fleet.
 */
describe('last presence event of a batch of clusters', () => {
  let database: ThrowawayDatabase;
  let db: DataSource;
  const ids: string[] = [];

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    db = await new DataSource(dataSourceOptions({ url: database.url, poolSize: 2 }, [])).initialize();
    // 2,000 clusters: each registered, 1,600 of them connected once, 800 then unreachable, and
    // every one with five syncs after that (what the (cluster, id) index holds beside them).
    const rows = await db.query<{ id: string }[]>(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
       SELECT gen_random_uuid(), 'c-' || lpad(i::text, 4, '0'), 'uid-' || i, '{}', 'h', 'v', now(), i < 800
       FROM generate_series(0, 1999) i ORDER BY i RETURNING id::text AS id`,
    );
    ids.push(...rows.map((r) => r.id));
    const events = (type: string, upTo: number) =>
      db.query(
        `INSERT INTO fleet_event (type, severity, cluster, message)
         SELECT $1, 'info', 'c-' || lpad(i::text, 4, '0'), 'm' FROM generate_series(0, $2::int - 1) i`,
        [type, upTo],
      );
    await events('cluster.registered', 2000);
    await events('cluster.connected', 1600);
    await db.query(
      `INSERT INTO fleet_event (type, severity, cluster, message)
       SELECT 'cluster.unreachable', 'warning', 'c-' || lpad(i::text, 4, '0'), 'm' FROM generate_series(800, 1599) i`,
    );
    for (let round = 0; round < 5; round++) await events('sync.succeeded', 2000);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('says each cluster’s newest connected or unreachable event, or none', async () => {
    const batch = [ids[5], ids[900], ids[1700]];
    const rows = await db.query<{ name: string; last: string | null }[]>(LAST_PRESENCE_SQL, [batch]);
    expect(Object.fromEntries(rows.map((r) => [r.name, r.last]))).toEqual({
      'c-0005': 'cluster.connected',
      'c-0900': 'cluster.unreachable',
      'c-1700': null,
    });
  });

  it('probes the presence index once per cluster, without statistics', async () => {
    const analyzed = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_user_tables WHERE relname = 'fleet_event' AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)`,
    );
    expect(analyzed[0].n).toBe(0);
    const plan = await db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${LAST_PRESENCE_SQL}`, [
      ids.slice(0, 50),
    ]);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('fleet_event_presence_idx');
    expect(text).not.toContain('fleet_event_type_idx');
  });
});
