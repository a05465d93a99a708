import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL } from '../../../test/support/postgres';
import { isoTimeSql } from './listed-status';

describe('isoTimeSql', () => {
  const db = new Client({ connectionString: TEST_POSTGRES_URL });
  beforeAll(async () => {
    await db.connect();
    // Whatever zone the server or session is in, the text is UTC.
    await db.query(`SET TIME ZONE 'Asia/Kolkata'`);
  });
  afterAll(() => db.end());

  it('writes a timestamp as the Date pg makes of it would: UTC, milliseconds truncated', async () => {
    const times = [
      '2026-01-02 03:04:05+00',
      '2026-01-02 03:04:05.999999+00',
      '2026-12-31 23:59:59.9999+05:30',
      '1999-12-31 23:59:59.000500-08',
      '2026-03-29 01:30:00.123456+01',
    ];
    for (const time of times) {
      const { rows } = await db.query<{ text: string; date: Date }>(
        `SELECT ${isoTimeSql('$1::timestamptz')} AS text, $1::timestamptz AS date`,
        [time],
      );
      expect(rows[0].text, time).toBe(rows[0].date.toISOString());
    }
  });

  it('gives null for null', async () => {
    const { rows } = await db.query<{ text: string | null }>(`SELECT ${isoTimeSql('NULL::timestamptz')} AS text`);
    expect(rows[0].text).toBeNull();
  });
});
