import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { launchHub, type RunningHub } from '../hub';
import { BUNDLE, CONFIGMAP, startTestHub, type TestHub } from '../testing/hub-fixture';
import type { FleetState } from './fleet-repo.service';
import { FleetRepoService } from './fleet-repo.service';

type FleetBody = Omit<FleetState, 'fetchedAt'> & { fetchedAt: string | null };

describe('fleet-repo: following the fleet branch', () => {
  let t: TestHub;
  let fleet: FleetRepoService;
  let first: string;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    fleet = t.app.get(FleetRepoService);
    first = await t.repo.head();
  });

  afterAll(async () => {
    await t?.stop();
  });

  const fleetState = async () => (await t.get<FleetBody>('/api/v1/fleet')).body;
  const bundleRows = () => t.query<{ name: string; commit: string }>(`SELECT name, commit FROM bundle ORDER BY name`);

  it('accepts the head commit at start-up and stores its bundles', async () => {
    expect(await fleetState()).toMatchObject({ url: t.repo.url, branch: 'main', path: 'fleet', commit: first, error: null });
    expect(await bundleRows()).toEqual([{ name: 'web', commit: first }]);
  });

  it('keeps serving the last good commit when a new one is broken, and shows why', async () => {
    const broken = await t.repo.commit(
      {
        'fleet/api.yaml': BUNDLE('api', '{}', '../outside'),
        'fleet/worker.yaml': BUNDLE('worker'),
      },
      'broken: bad path, missing directory',
    );
    await fleet.syncNow();
    const state = await fleetState();
    expect(state.commit).toBe(first);
    expect(state.error).toEqual({
      commit: broken,
      errors: [
        { file: 'fleet/api.yaml', line: 7, field: 'spec.source.path', message: "must be a relative path without '..'" },
        { file: 'fleet/worker.yaml', line: 7, field: 'spec.source.path', message: '"apps/worker" does not exist at this commit' },
      ],
    });
    expect(await bundleRows()).toEqual([{ name: 'web', commit: first }]);
  });

  it('accepts the next good commit whole, clearing the error and dropping removed bundles', async () => {
    const fixed = await t.repo.commit(
      { 'fleet/api.yaml': BUNDLE('api'), 'apps/api/cm.yaml': CONFIGMAP('api'), 'fleet/worker.yaml': null, 'fleet/web.yaml': null },
      'fixed',
    );
    await fleet.syncNow();
    expect(await fleetState()).toMatchObject({ commit: fixed, error: null });
    expect(await bundleRows()).toEqual([{ name: 'api', commit: fixed }]);
  });

  it('follows a force-push that rewrites the branch', async () => {
    await t.repo.git('reset', '--hard', first);
    const rewritten = await t.repo.commit({ 'fleet/extra.yaml': BUNDLE('extra', '{}', 'apps/web') }, 'rewritten history');
    await fleet.syncNow();
    expect(await fleetState()).toMatchObject({ commit: rewritten, error: null });
    expect(await bundleRows()).toEqual([
      { name: 'extra', commit: rewritten },
      { name: 'web', commit: rewritten },
    ]);
  });

  it('lets bundles keep their commit across a commit that leaves them alone, but not across a force-push that drops it', async () => {
    const contentCommits = async () =>
      Object.fromEntries(
        (await t.query<{ name: string; kept: string }>(`SELECT name, spec -> 'source' ->> 'contentCommit' AS kept FROM bundle`)).map(
          (r) => [r.name, r.kept],
        ),
      );
    const served = (await fleetState()).commit!;
    const later = await t.repo.commit({ 'notes.md': 'nothing a bundle reads\n' }, 'leave the bundles alone');
    await fleet.syncNow();
    expect(await fleetState()).toMatchObject({ commit: later, error: null });
    expect(await contentCommits()).toEqual({ extra: served, web: served });

    // The same bundles and files again, on a history without `served`.
    await t.repo.git('reset', '--hard', first);
    const again = await t.repo.commit({ 'fleet/extra.yaml': BUNDLE('extra', '{}', 'apps/web'), 'notes.md': 'other\n' }, 'rewritten again');
    await fleet.syncNow();
    expect(await fleetState()).toMatchObject({ commit: again, error: null });
    expect(await contentCommits()).toEqual({ extra: again, web: again });
  });

  it('refuses a commit whose fleet directory is gone', async () => {
    const before = (await fleetState()).commit;
    const gone = await t.repo.commit({ fleet: null }, 'remove the fleet');
    await fleet.syncNow();
    const state = await fleetState();
    expect(state.commit).toBe(before);
    expect(state.error).toEqual({
      commit: gone,
      errors: [{ file: 'fleet', line: null, field: null, message: 'directory does not exist at this commit' }],
    });
  });
});

describe('fleet-repo: repository credentials', () => {
  let db: ThrowawayDatabase;
  let hub: RunningHub;
  let dataDir: string;

  beforeAll(async () => {
    db = await createThrowawayDatabase('gitfleet_hub');
    dataDir = await mkdtemp(join(tmpdir(), 'gitfleet-hub-'));
  });

  afterAll(async () => {
    await hub?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('never shows or logs the userinfo of the repository URL, even when fetching fails', async () => {
    const logs: string[] = [];
    ({ hub } = await launchHub(
      {
        databaseUrl: db.url,
        dataDir,
        fleetRepoUrl: 'http://fleet-bot:s3cr3t-t0ken@127.0.0.1:9/fleet.git',
        bootstrapToken: 'a-bootstrap-token-long-enough',
        adminToken: 'an-admin-token-long-enough',
        httpPort: 0,
        grpcPort: 0,
        logLevel: 'trace',
      },
      { write: (line: string) => void logs.push(line) },
    ));
    const res = await fetch(`${hub.httpUrl}/api/v1/fleet`, { headers: { authorization: 'Bearer an-admin-token-long-enough' } });
    const text = await res.text();
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('fleet-bot');
    const body = JSON.parse(text) as FleetBody;
    expect(body.url).toBe('http://127.0.0.1:9/fleet.git');
    expect(body.commit).toBeNull();
    expect(body.error?.commit).toBeNull();
    expect(logs.join('\n')).toContain('fetching the fleet repository failed');
    expect(logs.join('\n')).not.toMatch(/s3cr3t|fleet-bot/);
    expect(body.error?.errors[0].message).toMatch(/git fetch of http:\/\/127\.0\.0\.1:9\/fleet\.git \(branch main\) failed/);
  });
});
