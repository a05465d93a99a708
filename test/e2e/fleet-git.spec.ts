/**
 * Git changes on real parts, with the hub polling only every 60 s so that nothing arrives by
 * the poll while a test waits: a GitHub-style signed push webhook lands a commit on the
 * clusters at once (a badly signed one is refused and lands nothing); a broken fleet commit
 * (a field with an invalid value) changes nothing on the clusters — the objects keep their
 * resourceVersions — and the API shows the error with file, line and field; the next good
 * commit flows.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { webBundle } from '../support/bundles';
import { readConfigMap, sleep, startFleet, type ClusterView, type Fleet, type FleetRepoView } from '../support/fleet';

const CLUSTERS = [
  { name: 'g1', labels: { env: 'prod' } },
  { name: 'g2', labels: { env: 'dev' } },
];

const bundle = (prune: string) => webBundle(`  syncPolicy:\n    prune: ${prune}\n`);
/** Line of `prune:` in bundle(): the line the hub must name for a bad value there. */
const PRUNE_LINE =
  bundle('true')
    .split('\n')
    .findIndex((l) => l.includes('prune:')) + 1;
const PATH_LINE =
  bundle('true')
    .split('\n')
    .findIndex((l) => l.includes('path:')) + 1;

const config = (greeting: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: ${greeting}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-static
data:
  fixed: "yes"
`;

describe('fleet: webhook pushes and broken commits', { timeout: 90_000 }, () => {
  let fleet: Fleet;
  const webhookSecret = randomBytes(20).toString('hex');

  /** Sends a push event for the fleet repository as GitHub (signed with `secret`), GitLab or Gitea would. */
  const push = (secret = webhookSecret, provider: 'github' | 'gitlab' | 'gitea' = 'github') => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: randomBytes(20).toString('hex'),
      ...(provider === 'gitlab'
        ? { project: { path_with_namespace: 'team/fleet', git_http_url: fleet.repo.url } }
        : { repository: { full_name: 'team/fleet', clone_url: fleet.repo.url } }),
    });
    const hmac = createHmac('sha256', secret).update(body).digest('hex');
    const headers: Record<string, string> =
      provider === 'github'
        ? { 'x-github-event': 'push', 'x-github-delivery': randomBytes(8).toString('hex'), 'x-hub-signature-256': `sha256=${hmac}` }
        : provider === 'gitlab'
          ? { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret }
          : { 'x-gitea-event': 'push', 'x-gitea-signature': hmac };
    return fleet.api.raw('POST', '/api/v1/webhooks/git', body, { 'content-type': 'application/json', ...headers });
  };
  const fleetRepo = async () => (await fleet.api.get<{ repos: FleetRepoView[] }>('/api/v1/fleet')).body.repos[0];
  const view = async (name: string) => (await fleet.api.get<ClusterView>(`/api/v1/clusters/${name}`)).body;
  const expectAllSyncedAt = async (commit: string) => {
    for (const { name } of CLUSTERS) {
      const web = (await view(name)).bundles.find((b) => b.bundle === 'web');
      expect({ name, phase: web?.phase, commit: web?.commit }).toEqual({ name, phase: 'synced', commit });
    }
  };
  const greetings = async () =>
    Object.fromEntries(
      await Promise.all(
        CLUSTERS.map(async ({ name }) => [name, (await readConfigMap(fleet.cluster(name), 'default', 'web-config'))?.data?.greeting]),
      ),
    );

  beforeAll(async () => {
    fleet = await startFleet({
      files: { 'fleet/web.yaml': bundle('true'), 'apps/web/config.yaml': config('hello') },
      clusters: CLUSTERS,
      hub: { fleetPollIntervalMs: 60_000, webhookSecret },
    });
    await eventually(() => expectAllSyncedAt(fleet.firstCommit), { timeoutMs: 30_000, intervalMs: 300 });
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('refuses a push with a bad signature, and a signed push lands the commit on the clusters without waiting for the poll', async () => {
    const second = await fleet.repo.commit({ 'apps/web/config.yaml': config('bonjour') }, 'bonjour');

    const forged = await push(randomBytes(20).toString('hex'));
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ code: 'webhook_unauthenticated' });
    await sleep(1_500);
    expect((await fleetRepo()).commit).toBe(fleet.firstCommit);
    expect(await greetings()).toEqual({ g1: 'hello', g2: 'hello' });

    const started = Date.now();
    const signed = await push();
    expect(signed.status).toBe(202);
    expect(signed.body).toEqual({ status: 'fetching', repos: ['default'] });
    await eventually(
      async () => {
        expect(await greetings()).toEqual({ g1: 'bonjour', g2: 'bonjour' });
        await expectAllSyncedAt(second);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // Far inside the 60 s poll interval.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await fleetRepo()).commit).toBe(second);
  });

  it('keeps the clusters untouched by a broken commit, shows file, line and field, and lets the next good commit flow', async () => {
    const good = (await fleetRepo()).commit!;
    const before: Record<string, Record<string, string | undefined>> = {};
    const revisions: Record<string, string | undefined> = {};
    for (const { name } of CLUSTERS) {
      const c = fleet.cluster(name);
      before[name] = {
        'web-config': (await readConfigMap(c, 'default', 'web-config'))?.metadata?.resourceVersion,
        'web-static': (await readConfigMap(c, 'default', 'web-static'))?.metadata?.resourceVersion,
      };
      revisions[name] = (await view(name)).targetSet?.revision;
    }

    // Changes the content and breaks a field in the same commit: none of it may land.
    const broken = await fleet.repo.commit(
      { 'fleet/web.yaml': bundle('sometimes'), 'apps/web/config.yaml': config('kaputt') },
      'broken: prune is not a boolean',
    );
    expect((await push()).status).toBe(202);

    const repo = await eventually(
      async () => {
        const r = await fleetRepo();
        expect(r.error?.commit).toBe(broken);
        return r;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(repo.commit).toBe(good);
    expect(repo.error!.errors).toEqual([
      expect.objectContaining({ file: 'fleet/web.yaml', line: PRUNE_LINE, field: 'spec.syncPolicy.prune' }),
    ]);
    expect(repo.error!.errors[0].message).not.toBe('');

    // Several heartbeats later: nothing was written on any cluster, nothing new was sent.
    await sleep(2_500);
    for (const { name } of CLUSTERS) {
      const c = fleet.cluster(name);
      expect({
        name,
        'web-config': (await readConfigMap(c, 'default', 'web-config'))?.metadata?.resourceVersion,
        'web-static': (await readConfigMap(c, 'default', 'web-static'))?.metadata?.resourceVersion,
      }).toEqual({ name, ...before[name] });
      const v = await view(name);
      expect(v.targetSet?.revision).toBe(revisions[name]);
      expect(v.bundles.find((b) => b.bundle === 'web')).toMatchObject({ phase: 'synced', commit: good, desiredCommit: good });
    }
    expect(await greetings()).toEqual({ g1: 'bonjour', g2: 'bonjour' });
    const bundles = (await fleet.api.get<{ items: { name: string; commit: string }[] }>('/api/v1/bundles')).body.items;
    expect(bundles.find((b) => b.name === 'web')?.commit).toBe(good);

    // A second broken commit (GitLab push): the bundle's source directory is gone. Accepting
    // it would prune the objects on every cluster.
    const gone = await fleet.repo.commit({ 'fleet/web.yaml': bundle('true'), 'apps/web': null }, 'broken: source directory removed');
    expect((await push(webhookSecret, 'gitlab')).status).toBe(202);
    const repo2 = await eventually(
      async () => {
        const r = await fleetRepo();
        expect(r.error?.commit).toBe(gone);
        return r;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(repo2.commit).toBe(good);
    expect(repo2.error!.errors).toEqual([expect.objectContaining({ file: 'fleet/web.yaml', line: PATH_LINE, field: 'spec.source.path' })]);
    await sleep(1_500);
    for (const { name } of CLUSTERS) {
      const c = fleet.cluster(name);
      expect({
        name,
        'web-config': (await readConfigMap(c, 'default', 'web-config'))?.metadata?.resourceVersion,
        'web-static': (await readConfigMap(c, 'default', 'web-static'))?.metadata?.resourceVersion,
      }).toEqual({ name, ...before[name] });
      expect((await view(name)).targetSet?.revision).toBe(revisions[name]);
    }

    // The next good commit (Gitea push) flows and clears the error.
    const fixed = await fleet.repo.commit({ 'fleet/web.yaml': bundle('true'), 'apps/web/config.yaml': config('fixed') }, 'fix');
    expect((await push(webhookSecret, 'gitea')).status).toBe(202);
    await eventually(
      async () => {
        expect(await greetings()).toEqual({ g1: 'fixed', g2: 'fixed' });
        await expectAllSyncedAt(fixed);
        const r = await fleetRepo();
        expect(r.commit).toBe(fixed);
        expect(r.error).toBeNull();
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // The unchanged object was left alone.
    for (const { name } of CLUSTERS) {
      expect((await readConfigMap(fleet.cluster(name), 'default', 'web-static'))?.metadata?.resourceVersion).toBe(
        before[name]['web-static'],
      );
    }
  });
});
