/**
 * Hostile input: Secret values, planted in every way a Secret reaches a cluster — applied by
 * the agent from `data` and from `stringData`, then rewritten by another manager with
 * client-side `kubectl apply` (which copies the whole object, values included, into the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation) and quoted in an annotation
 * of its own — then drift, a failed sync and a prune. None of the values may appear in any
 * answer of the hub's API (the cluster view `gitfleet diff` reads included), in any log line
 * of hub or agent, or in any row of the hub's database.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFor } from '../support/bundles';
import { eventually } from '../support/eventually';
import { startFleet, type ClusterView, type Fleet } from '../support/fleet';

const PLANTED = {
  /** In Git as `data` (base64 only): its plaintext is nowhere outside the cluster. */
  data: 'planted-data-7f3a91e0',
  /** In Git as `stringData` plaintext. */
  string: 'planted-string-c4e2b85d',
  /** Written only by "kubectl" on the cluster: in no repository at all. */
  kubectl: 'planted-kubectl-9d0e55aa',
  /** In Git as `data` that is not base64: the sync fails. */
  bad: 'planted-bad-3b6c17f2',
};
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Every form of every planted value that must appear nowhere (the repository's own forms aside, see the DB scan). */
const FORBIDDEN = Object.values(PLANTED).flatMap((value) => [value, b64(value)]);

/** Prunes what leaves Git; drift is reported, not corrected, so that it stays to be seen. */
const BUNDLE = `${bundleFor('vault', 'vault')}  syncPolicy:\n    prune: true\n    drift: report\n`;

const FILES = {
  'fleet/vault.yaml': BUNDLE,
  'apps/vault/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: vault\n',
  'apps/vault/by-data.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: by-data\n  annotations:\n    team: vault\ndata:\n  password: ${b64(PLANTED.data)}\n`,
  'apps/vault/by-string.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: by-string\nstringData:\n  token: ${PLANTED.string}\n`,
  'apps/vault/plain.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: "1"\n',
};

function forbiddenIn(text: string): string[] {
  return FORBIDDEN.filter((form) => text.includes(form));
}

describe('Secret values planted every way appear in no API answer, log line or table row', { timeout: 120_000 }, () => {
  let fleet: Fleet;
  const logs: string[] = [];
  const answers: { path: string; text: string }[] = [];

  const collect = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });

  /** GET, kept for the final scan. */
  const get = async <T>(path: string): Promise<T> => {
    const answer = await fleet.api.get<T>(path);
    answers.push({ path, text: JSON.stringify(answer.body) });
    return answer.body;
  };
  const bundleOn = async () => (await get<ClusterView>('/api/v1/clusters/c1')).bundles.find((b) => b.bundle === 'vault');

  beforeAll(async () => {
    fleet = await startFleet({
      files: FILES,
      clusters: [{ name: 'c1', noAgent: true }],
      hub: { logLevel: 'trace' },
      hubLogDestination: collect,
    });
    await fleet.startAgent('c1', { logLevel: 'trace' }, { logger: pino({ level: 'trace' }, collect) });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('applies Secrets from data and stringData', async () => {
    await eventually(async () => expect(await bundleOn()).toMatchObject({ phase: 'synced', commit: fleet.firstCommit }));
    const live = await fleet.cluster('c1').core.readNamespacedSecret({ name: 'by-string', namespace: 'vault' });
    expect(live.data?.['token']).toBe(b64(PLANTED.string));
  });

  it('reports the drift of a Secret rewritten with client-side kubectl apply, its copies masked', async () => {
    const { core } = fleet.cluster('c1');
    const live = await core.readNamespacedSecret({ name: 'by-data', namespace: 'vault' });
    const applied = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'by-data', namespace: 'vault' },
      stringData: { password: PLANTED.kubectl },
    };
    await core.replaceNamespacedSecret({
      name: 'by-data',
      namespace: 'vault',
      body: {
        ...live,
        metadata: {
          ...live.metadata,
          managedFields: undefined,
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(applied)}\n`,
            'ops.example.com/note': `rotated by hand to ${PLANTED.kubectl}`,
          },
        },
        data: { password: b64(PLANTED.kubectl) },
      },
    });
    const drifted = await eventually(async () => {
      const detail = await get<{ bundles: { bundle: string; resources: { name: string; drifted: boolean; driftDiff: string }[] }[] }>(
        '/api/v1/clusters/c1',
      );
      const resource = detail.bundles.find((b) => b.bundle === 'vault')?.resources.find((r) => r.name === 'by-data');
      expect(resource?.drifted).toBe(true);
      return resource!;
    });
    expect(drifted.driftDiff).toContain('kubectl.kubernetes.io/last-applied-configuration: "***"');
    expect(drifted.driftDiff).toContain('ops.example.com/note: "***"');
    expect(drifted.driftDiff).toContain('password: "***');
    expect(drifted.driftDiff).toContain('+    team: vault'); // kubectl dropped it: the annotations are in the diff
    expect(forbiddenIn(drifted.driftDiff)).toEqual([]);
  });

  it('fails a sync on a Secret the API refuses, applying nothing', async () => {
    const commit = await fleet.repo.commit({
      'apps/vault/bad.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: bad\ndata:\n  key: ${PLANTED.bad}\n`,
    });
    const failed = await eventually(async () => {
      const bundle = (
        await get<{ bundles: { bundle: string; phase: string; commit: string; message: string }[] }>('/api/v1/clusters/c1')
      ).bundles.find((b) => b.bundle === 'vault');
      expect(bundle).toMatchObject({ phase: 'failed', commit });
      return bundle!;
    });
    expect(failed.message).toMatch(/Secret\/vault\/bad dry-run failed/);
  });

  it('prunes a Secret that left Git', async () => {
    const commit = await fleet.repo.commit({ 'apps/vault/bad.yaml': null, 'apps/vault/by-string.yaml': null });
    await eventually(async () => expect(await bundleOn()).toMatchObject({ phase: 'synced', commit }));
    await expect(fleet.cluster('c1').core.readNamespacedSecret({ name: 'by-string', namespace: 'vault' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('has shown no planted value in any API answer', async () => {
    const commits = [fleet.firstCommit, await fleet.repo.head()];
    for (const path of [
      '/api/v1/clusters',
      '/api/v1/clusters/c1',
      '/api/v1/bundles',
      '/api/v1/bundles/vault',
      '/api/v1/bundles/vault/clusters',
      '/api/v1/fleet',
      '/api/v1/events',
      '/api/v1/audit',
      '/api/v1/history',
      '/api/v1/history?cluster=c1&bundle=vault',
      '/api/v1/rollouts',
      ...commits.map((c) => `/api/v1/commits/${c}`),
      '/metrics',
    ]) {
      await get(path);
    }
    const leaks = answers.flatMap(({ path, text }) => forbiddenIn(text).map((form) => `${path}: ${form}`));
    expect(leaks).toEqual([]);
    expect(answers.length).toBeGreaterThan(15);
  });

  it('has written no planted value in any log line of hub or agent', () => {
    const text = logs.join('');
    expect(text).toContain('vault'); // the logs did see the bundle
    expect(forbiddenIn(text)).toEqual([]);
  });

  it('has stored no planted value in any row of any table (the repository content the hub serves aside)', async () => {
    const tables = await fleet.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['status_report', 'bundle_status']));
    const leaks: string[] = [];
    for (const { table_name: table } of tables) {
      // The artifact table holds source trees packed from the repository, as Git does: the
      // repository's own content (base64 `data`, `stringData`) is there by the user's choice.
      const columns = table === 'artifact' ? `digest, content_key, size, created_at, used_at` : `t.*`;
      const rows = await fleet.db.query<{ row: string }>(`SELECT (${columns})::text AS row FROM "${table}" t`.replace('(t.*)', 't'));
      for (const { row } of rows) for (const form of forbiddenIn(row)) leaks.push(`${table}: ${form}`);
    }
    expect(leaks).toEqual([]);
  });
});
