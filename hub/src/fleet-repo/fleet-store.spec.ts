import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { dataSourceOptions } from '../database/data-source-options';
import { BundleEntity } from './bundle.entity';
import type { BundleDocument } from './fleet-format';
import { FleetSourceEntity } from './fleet-source.entity';
import { FleetStore } from './fleet-store';

const sha = (n: number) => n.toString(16).padStart(40, '0');

/** A fleet-repository bundle at `commit` whose packed files have `digest` (one hex digit). */
const web = (commit: string, digest: string): BundleDocument => ({
  file: 'fleet/web.yaml',
  line: 1,
  nameLine: 4,
  sourcePathLine: 6,
  fieldLines: {},
  bundle: {
    name: 'web',
    sourcePath: 'apps/web',
    source: {
      repoUrl: 'https://git.example/fleet.git',
      commit,
      path: 'apps/web',
      ref: 'main',
      artifact: { digest: `sha256:${digest.repeat(64)}`, size: 10, compressedSize: 5 },
    },
    render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
    namespace: 'web',
    targets: [{ clusterSelector: { matchLabels: {}, matchExpressions: [] }, overrides: {} }],
    syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
    dependsOn: [],
    suspend: false,
    fleetRepo: 'default',
  },
});

/**
 * The fleet store as two hub replicas use it: each its own pool on one database. Which commit a
 * bundle keeps is decided against the last good commit as stored, so replicas agree.
 */
describe('FleetStore.accept: the commit each bundle keeps', () => {
  let database: ThrowawayDatabase;
  const pools: DataSource[] = [];
  let one: FleetStore;
  let two: FleetStore;
  let sourceId: number;

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    for (let i = 0; i < 2; i++)
      pools.push(
        await new DataSource(dataSourceOptions({ url: database.url, poolSize: 2 }, [FleetSourceEntity, BundleEntity])).initialize(),
      );
    [one, two] = pools.map((pool) => new FleetStore(pool));
    sourceId = await one.sourceId({ name: 'default', url: 'https://git.example/fleet.git', branch: 'main', path: '' });
  });

  afterAll(async () => {
    for (const pool of pools) await pool.destroy();
    await database?.drop();
  });

  /** Commits a force-push dropped from the branch's history. */
  const rewritten = new Set<string>();
  const accept = (store: FleetStore, commit: string, digest: string) =>
    store.accept({
      fleetRepo: 'default',
      sourceId,
      commit,
      bundles: [web(commit, digest)],
      groups: [],
      inHistory: async (_repo, kept) => !rewritten.has(kept),
    });
  const contentCommit = (stored: BundleDocument[]) => stored[0].bundle.source.contentCommit;

  it('keeps the commit of files as they were, stores it with the commit, and moves on when they change', async () => {
    expect(contentCommit(await accept(one, sha(1), '1'))).toBe(sha(1));
    expect(contentCommit(await accept(one, sha(2), '1'))).toBe(sha(1));
    expect((await one.specsAt('default', sha(2)))?.bundles[0].source.contentCommit).toBe(sha(1));
    expect((await one.documentsAt('default', sha(2)))?.bundles[0].bundle.source.contentCommit).toBe(sha(1));
    expect(contentCommit(await accept(one, sha(3), '2'))).toBe(sha(3));
  });

  it('decides against what is stored, not what the accepting replica served last', async () => {
    // The other replica last served sha(1)'s files (digest 1); the stored last good commit is
    // sha(3), with other files: the same files as sha(1) again are a change from it.
    expect(contentCommit(await accept(two, sha(4), '1'))).toBe(sha(4));
  });

  it('lets go of a kept commit that a force-push dropped from the history', async () => {
    expect(contentCommit(await accept(one, sha(7), '4'))).toBe(sha(7));
    rewritten.add(sha(7));
    expect(contentCommit(await accept(one, sha(8), '4'))).toBe(sha(8));
  });

  it('decides in turn when replicas accept at once, so that both keep the same commit', async () => {
    const [a, b] = await Promise.all([accept(one, sha(5), '3'), accept(two, sha(6), '3')]);
    // Whichever stored first moved the bundle to its commit; the other kept that one.
    expect(contentCommit(a)).toBe(contentCommit(b));
    expect([sha(5), sha(6)]).toContain(contentCommit(a));
  });
});
