import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { arrayLiteral } from './pg-arrays';

describe('arrayLiteral', () => {
  let db: ThrowawayDatabase;
  beforeAll(async () => {
    db = await createThrowawayDatabase();
  });
  afterAll(async () => db?.drop());

  it('reads back as the same values in PostgreSQL, whatever the text holds', async () => {
    const texts = ['', 'plain', 'a,b', '{x}', '"quoted"', 'back\\slash', '\\"', 'NULL', ' spaced ', 'line\nbreak', 'ünï€ode', null];
    const [row] = await db.query<{ texts: (string | null)[] }>(`SELECT $1::text[] AS texts`, [arrayLiteral(texts, (t) => t)]);
    expect(row.texts).toEqual(texts);
  });

  it('carries numbers, uuids, decimals and times in the types the statement casts to', async () => {
    const [row] = await db.query<{ ints: number[]; ids: string[]; seqs: string[]; times: string[] }>(
      `SELECT $1::int[] AS ints, $2::uuid[]::text[] AS ids, $3::numeric[]::text[] AS seqs, $4::timestamptz[] AS times`,
      [
        arrayLiteral([0, -7, 2147483647, null], (n) => n),
        arrayLiteral(['0b2f5c1e-7a3d-4c6b-9f1e-2d3c4b5a6978'], (id) => id),
        arrayLiteral(['18446744073709551615'], (seq) => seq),
        arrayLiteral(['2026-12-07T08:00:00.123Z', null], (t) => t),
      ],
    );
    expect(row.ints).toEqual([0, -7, 2147483647, null]);
    expect(row.ids).toEqual(['0b2f5c1e-7a3d-4c6b-9f1e-2d3c4b5a6978']);
    expect(row.seqs).toEqual(['18446744073709551615']);
    expect(row.times.map((t) => (t === null ? null : new Date(t).toISOString()))).toEqual(['2026-12-07T08:00:00.123Z', null]);
  });

  it('an empty column is an empty array', async () => {
    const [row] = await db.query<{ n: number }>(`SELECT cardinality($1::text[]) AS n`, [arrayLiteral([], (t: string) => t)]);
    expect(row.n).toBe(0);
  });
});
