import { rename } from 'node:fs/promises';
import { HealthStatus, ResourceAction, SyncPhase } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../../hub/src/fleet-repo/fleet-repo.service';
import { StatusEvents } from '../../hub/src/events/status-events.service';
import { RolloutService } from '../../hub/src/rollout/rollout.service';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub, type TestStream } from '../../hub/src/testing/hub-fixture';
import type { BootstrapToken, Cluster, ClusterDetail, Pin, Rollout } from './api';
import { EXIT } from './exit-codes';
import { runCli, type CliRun } from './testing/run-cli';

/** `web` rolls out canary first, then everything else; `prod` goes to env=prod clusters at once. */
const WEB = `${BUNDLE('web')}  rollout:
    partitions:
      - name: canary
        clusterSelector: { matchLabels: { stage: canary } }
`;

const DRIFT = '--- ConfigMap/prod/prod (live)\n+++ ConfigMap/prod/prod (desired)\n@@ -1,2 +1,2 @@\n data:\n-  a: "2"\n+  a: "1"\n';

describe('gitfleet against a running hub', () => {
  let t: TestHub;
  let agent: TestAgent;
  let rollouts: RolloutService;
  const streams = new Map<string, TestStream>();
  let env: Record<string, string>;

  const cli = (...argv: string[]): Promise<CliRun> => runCli(argv, { env });

  /** Every connected cluster reports each bundle synced and healthy at the commit its TargetSet asks for, until nothing is left to report. */
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 10; round++) {
      const clusters = (await t.get<{ items: Cluster[] }>('/api/v1/clusters?limit=500')).body.items;
      const behind = clusters.flatMap((c) =>
        c.bundles.filter((b) => b.commit !== b.desiredCommit).map((b) => [c.name, b.bundle, b.desiredCommit] as const),
      );
      for (const [cluster, bundle, commit] of behind) {
        const stream = streams.get(cluster)!;
        await stream.acked(stream.report(bundle, commit));
      }
      await t.app.get(StatusEvents).settled();
      await rollouts.stepNow();
      if (behind.length === 0) return;
    }
  };

  const report = async (cluster: string, bundle: string, fields: Parameters<TestStream['report']>[2]) => {
    const stream = streams.get(cluster)!;
    const desired = (
      await t.get<{ bundles: { bundle: string; desiredCommit: string }[] }>(`/api/v1/clusters/${cluster}`)
    ).body.bundles.find((b) => b.bundle === bundle)!.desiredCommit;
    await stream.acked(stream.report(bundle, desired, fields));
    // A report's fleet events are recorded after its ack (StatusEvents): the events commands below read them.
    await t.app.get(StatusEvents).settled();
    await rollouts.stepNow();
  };

  const healthy = (cluster: string, bundle: string) => report(cluster, bundle, {});

  /** Runs a command that waits for a commit just pushed: still waiting half a second later, done once the hub fetched it and the clusters settled. */
  const stillWaitingUntilFetched = async (argv: string[]): Promise<CliRun> => {
    let finished = false;
    const running = runCli(argv, { env }).then((run) => {
      finished = true;
      return run;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(finished).toBe(false);
    await t.app.get(FleetRepoService).syncNow();
    await rollouts.stepNow();
    await settle();
    return running;
  };

  beforeAll(async () => {
    t = await startTestHub(
      {
        'fleet/web.yaml': WEB,
        'fleet/prod.yaml': BUNDLE('prod', '{ matchLabels: { env: prod } }'),
        'apps/web/cm.yaml': CONFIGMAP('web'),
        'apps/prod/cm.yaml': CONFIGMAP('prod'),
      },
      { heartbeatIntervalMs: 60_000, rolloutTickIntervalMs: 600_000 },
    );
    env = { GITFLEET_HUB: t.hub.httpUrl, GITFLEET_TOKEN: t.adminToken };
    agent = new TestAgent(t.hub.grpcAddress);
    rollouts = t.app.get(RolloutService);
    for (const [name, labels] of [
      ['alpha', { env: 'prod', stage: 'canary' }],
      ['beta', { env: 'dev', stage: 'main' }],
    ] as const) {
      const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${name}`, name, labels });
      const stream = agent.connect(credential);
      stream.hello(clusterId);
      await stream.nth('targetSet');
      streams.set(name, stream);
    }
    await rollouts.stepNow();
    await settle();
  });

  afterAll(async () => {
    for (const s of streams.values()) s.close();
    agent?.close();
    await t?.stop();
  });

  it('status: exit 0 while every cluster is connected and every bundle synced and healthy', async () => {
    const { code, stdout, stderr } = await cli('status');
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^Clusters: +2 total: 2 connected; 2 active$/m);
    expect(stdout).toMatch(/^Bundles: +2 in 3 placements: 3 synced$/m);
    expect(stdout).toMatch(/^Health: +3 healthy$/m);
    expect(stdout).toContain('fleet OK');
    // Not a terminal: no colour codes in what a pipe or CI log gets.
    expect(stdout).not.toContain('\u001b[');
  });

  it('clusters: an aligned table, filtered by label; -o json is the API item list', async () => {
    const table = await cli('clusters');
    expect(table.code).toBe(EXIT.ok);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +STATE +CONNECTIVITY +READY +FAILED +DRIFT +LAST SEEN +LABELS$/);
    expect(lines[1]).toMatch(/^alpha +active +connected +2\/2 +0 +0 +\d+s +env=prod,stage=canary$/);
    expect(lines[2]).toMatch(/^beta +active +connected +1\/1 +0 +0 +\d+s +env=dev,stage=main$/);
    // Columns line up: each header starts where its cells do.
    expect(lines[1].indexOf('active')).toBe(lines[0].indexOf('STATE'));

    const filtered = await cli('clusters', '--label', 'env=prod');
    expect(
      filtered.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['alpha']);

    const json = await cli('clusters', '-o', 'json');
    const items = (JSON.parse(json.stdout) as { items: Cluster[] }).items;
    expect(items).toEqual(
      (await t.get<{ items: Cluster[] }>('/api/v1/clusters')).body.items.map((c) => ({ ...c, lastSeenAt: expect.any(String) })),
    );
  });

  it('clusters get: targets with their state and the desired, applied and attempted commits; resources with health', async () => {
    const { code, stdout } = await cli('clusters', 'get', 'alpha');
    expect(code).toBe(EXIT.ok);
    const commit = (await t.repo.head()).slice(0, 7);
    expect(stdout).toMatch(/^Connectivity: +connected/m);
    expect(stdout).toMatch(/^BUNDLE +STATE +DESIRED +APPLIED +ATTEMPTED +DRIFT +ROLLOUT +REPORTED +MESSAGE$/m);
    expect(stdout).toMatch(new RegExp(`^prod +synced +${commit} +${commit} +${commit} +0 +- `, 'm'));
    expect(stdout).toMatch(new RegExp(`^web +synced +${commit} +${commit} +${commit} +0 +admitted `, 'm'));
    expect(stdout).toMatch(/^prod +ConfigMap\/prod\/prod +created +healthy +- +-$/m);
  });

  it('bundles: list and per-cluster matrix; -o json is the API answer (get: with every cluster)', async () => {
    const list = await cli('bundles');
    expect(list.code).toBe(EXIT.ok);
    expect(list.stdout).toMatch(/^NAME +COMMIT +READY +CLUSTERS +ROLLOUT +PIN$/m);
    expect(list.stdout).toMatch(/^web +[0-9a-f]{7} +2\/2 +2 synced +done +-$/m);

    const one = await cli('bundles', 'get', 'web');
    expect(one.code).toBe(EXIT.ok);
    expect(one.stdout).toMatch(/^alpha +synced +[0-9a-f]{7}$/m);
    expect(one.stdout).toMatch(/^beta +synced +[0-9a-f]{7}$/m);

    // The bundle as the API answers it, with every cluster from its pages.
    const json = await cli('bundles', 'get', 'web', '-o', 'json');
    const clusters = (await t.get<{ items: unknown[] }>('/api/v1/bundles/web/clusters')).body.items;
    expect(clusters).toHaveLength(2);
    expect(JSON.parse(json.stdout)).toEqual({ ...(await t.get<object>('/api/v1/bundles/web')).body, clusters });
    const listJson = await cli('bundles', '-o', 'json');
    expect(JSON.parse(listJson.stdout)).toEqual({ items: (await t.get<{ items: unknown[] }>('/api/v1/bundles')).body.items });

    const missing = await cli('bundles', 'get', 'nope');
    expect(missing.code).toBe(EXIT.problem);
    expect(missing.stderr).toMatch(/^gitfleet: .*nope.* \(bundle_not_found\)\n$/);
  });

  it('diff: exit 0 without drift, exit 1 with the drift diff when a resource drifted', async () => {
    const clean = await cli('diff', 'alpha');
    expect(clean).toEqual({ code: EXIT.ok, stdout: 'No drift on alpha.\n', stderr: '' });

    await report('alpha', 'prod', {
      driftCount: 1,
      resources: [
        {
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'prod' },
          action: ResourceAction.RESOURCE_ACTION_UNCHANGED,
          health: HealthStatus.HEALTH_STATUS_HEALTHY,
          drifted: true,
          driftDiff: DRIFT,
        },
      ],
    });
    const drifted = await cli('diff', 'alpha');
    expect(drifted.code).toBe(EXIT.problem);
    // Drift is something wrong for every command that shows it, as the exit code table says.
    const status = await cli('status');
    expect(status.code).toBe(EXIT.problem);
    expect(status.stdout).toContain('✗ bundle prod has 1 drifted resource on alpha; see: gitfleet diff alpha prod\n');
    expect(status.stdout).toMatch(/^Drift: +1 resource$/m);
    const driftedOnly = await cli('clusters', '--drifted', '-o', 'json');
    expect((JSON.parse(driftedOnly.stdout) as { items: Cluster[] }).items.map((c) => c.name)).toEqual(['alpha']);
    expect((await cli('clusters', 'get', 'alpha')).code).toBe(EXIT.problem);
    expect(drifted.stdout).toBe(`# prod: ConfigMap/prod/prod\n${DRIFT}\n1 drifted resource on alpha\n`);
    const other = await cli('diff', 'alpha', 'web');
    expect(other.code).toBe(EXIT.ok);

    // In a terminal, removals are red and additions green.
    const coloured = await runCli(['diff', 'alpha', 'prod'], { env, tty: true });
    expect(coloured.stdout).toContain('\u001b[31m-  a: "2"\u001b[39m');
    expect(coloured.stdout).toContain('\u001b[32m+  a: "1"\u001b[39m');
    expect((await runCli(['diff', 'alpha', 'prod'], { env: { ...env, NO_COLOR: '1' }, tty: true })).stdout).not.toContain('\u001b[');

    const json = await cli('diff', 'alpha', '-o', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      cluster: 'alpha',
      items: [{ bundle: 'prod', kind: 'ConfigMap', drifted: true, driftDiff: DRIFT }],
    });
    await healthy('alpha', 'prod');
  });

  it('status: exit 1 after a FAILED report, naming bundle and cluster; 0 again once it recovers', async () => {
    await report('alpha', 'prod', {
      phase: SyncPhase.SYNC_PHASE_FAILED,
      health: HealthStatus.HEALTH_STATUS_DEGRADED,
      message: 'dry-run failed',
      resources: [
        {
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: 'prod' },
          action: ResourceAction.RESOURCE_ACTION_FAILED,
          error: 'ConfigMap/prod/prod dry-run failed (Invalid): data: bad',
          health: HealthStatus.HEALTH_STATUS_DEGRADED,
        },
      ],
    });
    const failed = await cli('status');
    expect(failed.code).toBe(EXIT.problem);
    expect(failed.stdout).toContain('1 problem:\n  ✗ bundle prod failed on alpha (health degraded)\n');
    const json = await cli('status', '-o', 'json');
    expect(json.code).toBe(EXIT.problem);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problemCount: 1, problems: [{ kind: 'failed' }] });

    const detail = await cli('clusters', 'get', 'alpha');
    expect(detail.code).toBe(EXIT.problem);
    expect(detail.stdout).toMatch(/^prod +failed · degraded +[0-9a-f]{7} /m);
    expect(detail.stdout).toMatch(
      /^prod +ConfigMap\/prod\/prod +failed +degraded +- +ConfigMap\/prod\/prod dry-run failed \(Invalid\): data: bad$/m,
    );
    const bundle = await cli('bundles', 'get', 'prod');
    expect(bundle.code).toBe(EXIT.problem);
    expect(bundle.stdout).toMatch(/^alpha +failed · degraded +[0-9a-f]{7}$/m);
    expect((await cli('bundles')).code).toBe(EXIT.problem);
    expect((await cli('clusters')).code).toBe(EXIT.problem);

    await healthy('alpha', 'prod');
    expect((await cli('status')).code).toBe(EXIT.ok);
    expect((await cli('clusters', 'get', 'alpha')).code).toBe(EXIT.ok);
    expect((await cli('bundles', 'get', 'prod')).code).toBe(EXIT.ok);
  });

  it('clusters get: a failed attempt at a new commit keeps the commit the cluster still runs apart from the one it tried', async () => {
    const applied = await t.repo.head();
    const next = await t.repo.commit({ 'apps/prod/extra.yaml': CONFIGMAP('extra') }, 'prod: one more');
    await t.app.get(FleetRepoService).syncNow();
    const alpha = streams.get('alpha')!;
    await alpha.acked(
      alpha.report('prod', next, {
        phase: SyncPhase.SYNC_PHASE_FAILED,
        health: HealthStatus.HEALTH_STATUS_UNSPECIFIED,
        message: 'source: "apps/prod" has no manifests',
        resources: [],
      }),
    );
    const { code, stdout } = await cli('clusters', 'get', 'alpha');
    expect(code).toBe(EXIT.problem);
    expect(stdout).toMatch(new RegExp(`^prod +failed +${next.slice(0, 7)} +${applied.slice(0, 7)} +${next.slice(0, 7)} `, 'm'));
    expect(stdout).toContain(
      `prod: the cluster still runs what ${applied.slice(0, 7)} applied (1 object); the last attempt was at ${next.slice(0, 7)}\n`,
    );
    const json = JSON.parse((await cli('clusters', 'get', 'alpha', '-o', 'json')).stdout) as ClusterDetail;
    expect(json.bundles.find((b) => b.bundle === 'prod')).toMatchObject({
      desiredCommit: next,
      commit: next,
      lastApplied: { commit: applied, at: expect.any(String), summary: { created: 1 } },
    });
    await settle();
  });

  it('shows the control characters of names and messages it did not write, never sending them to the terminal', async () => {
    const evil = 'evil\u001b]0;pwned\u0007\u001b[2J'; // as an agent (or a hostile one) reports it
    await report('alpha', 'prod', {
      phase: SyncPhase.SYNC_PHASE_FAILED,
      health: HealthStatus.HEALTH_STATUS_DEGRADED,
      message: `apply failed \u009b31m\u202eevil`,
      resources: [
        {
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'prod', name: evil },
          action: ResourceAction.RESOURCE_ACTION_FAILED,
          error: `ConfigMap/prod/${evil} refused`,
          health: HealthStatus.HEALTH_STATUS_DEGRADED,
        },
      ],
    });
    const outputs = [
      await cli('clusters', 'get', 'alpha'),
      await cli('events', '--cluster', 'alpha', '--bundle', 'prod'),
      await cli('status'),
      await cli('clusters', 'get', 'bad\u001b[2Jname'),
    ];
    for (const { stdout, stderr } of outputs) expect(stdout + stderr).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    // The hub stores a report's control characters as visible escapes (docs/protocol.md); the
    // CLI escapes what is left (U+202E) and whatever else reaches it (the name typed below).
    const stored = 'evil\\u001b]0;pwned\\u0007\\u001b[2J';
    expect(outputs[0].stdout).toContain(stored);
    expect(outputs[0].stdout).toContain('apply failed \\u009b31m\\u202eevil');
    expect(outputs[1].stdout).toContain('sync of prod@');
    expect(outputs[1].stdout).toContain(`${stored} refused`);
    // A name holding a control character is refused by the hub, which names it as visible text.
    expect(outputs[3].stderr).toBe('gitfleet: path parameter name holds a control character: "bad\\u001b[2Jname" (invalid_argument)\n');
    // Scripts reading -o json get the API's strings unchanged.
    const json = JSON.parse((await cli('clusters', 'get', 'alpha', '-o', 'json')).stdout) as ClusterDetail;
    expect(json.bundles.find((b) => b.bundle === 'prod')?.resources[0].name).toBe(stored);
    await healthy('alpha', 'prod');
  });

  it('pause and resume reach the hub', async () => {
    const paused = await cli('pause', 'web');
    expect(paused).toEqual({ code: EXIT.ok, stdout: 'Rollout of web paused (now paused).\n', stderr: '' });
    expect((await t.get<Rollout>('/api/v1/rollouts/web')).body.paused).toBe(true);
    const resumed = await cli('resume', 'web');
    expect(resumed.code).toBe(EXIT.ok);
    expect((await t.get<Rollout>('/api/v1/rollouts/web')).body.paused).toBe(false);
    const none = await cli('pause', 'prod');
    expect(none.code).toBe(EXIT.problem);
    expect(none.stderr).toMatch(/\(rollout_not_found\)\n$/);
  });

  it('rollback pins a bundle (a short commit is found in its history) and --unpin lets it follow the fleet', async () => {
    const head = await t.repo.head();
    const pinned = await cli('rollback', 'prod', '--to', head.slice(0, 8));
    expect(pinned).toEqual({
      code: EXIT.ok,
      stdout: `Pinned prod to ${head} on every cluster; undo with: gitfleet rollback prod --unpin\n`,
      stderr: '',
    });
    expect((await t.get<{ items: Pin[] }>('/api/v1/pins')).body.items).toEqual([
      { bundle: 'prod', commit: head, pinnedAt: expect.any(String) },
    ]);
    expect((await cli('bundles')).stdout).toMatch(new RegExp(`^prod .* ${head.slice(0, 7)}$`, 'm'));

    const unknown = await cli('rollback', 'prod', '--to', 'f'.repeat(40));
    expect(unknown.code).toBe(EXIT.problem);
    expect(unknown.stderr).toMatch(/\(commit_not_found\)\n$/);

    expect(await cli('rollback', 'prod', '--unpin')).toEqual({
      code: EXIT.ok,
      stdout: 'Unpinned prod: it follows the fleet again.\n',
      stderr: '',
    });
    expect((await t.get<{ items: Pin[] }>('/api/v1/pins')).body.items).toEqual([]);
  });

  it('sync asks connected agents to sync now', async () => {
    const one = await cli('sync', 'alpha');
    expect(one).toEqual({ code: EXIT.ok, stdout: 'Sync requested for cluster alpha: reached alpha.\n', stderr: '' });
    await streams.get('alpha')!.nth('command');
    const all = await cli('sync', '--bundle', 'web', '-o', 'json');
    expect(JSON.parse(all.stdout)).toMatchObject({ bundle: 'web', reached: ['alpha', 'beta'], notConnected: [] });
    const notHeld = await cli('sync', 'beta', '--bundle', 'prod');
    expect(notHeld.code).toBe(EXIT.problem);
    expect(notHeld.stderr).toBe('gitfleet: cluster beta does not hold bundle "prod" (bundle_not_found)\n');
  });

  it('tokens: create prints the token alone on stdout; list shows it; revoke revokes it', async () => {
    const created = await cli('tokens', 'create', '--ttl', '1h', '--max-uses', '2', '--description', 'ci runners');
    expect(created.code).toBe(EXIT.ok);
    expect(created.stdout).toMatch(/^gfbt_\S+\n$/);
    expect(created.stderr).toMatch(/^Bootstrap token \S+ created \(expires \S+, 2 uses\)\. It is shown only this once\.\n$/);

    const listed = JSON.parse((await cli('tokens', 'list', '-o', 'json')).stdout) as { items: BootstrapToken[] };
    const token = listed.items.find((i) => i.description === 'ci runners')!;
    expect(token).toMatchObject({ maxUses: 2, uses: 0, state: 'usable' });
    expect((await cli('tokens', 'list')).stdout).toMatch(new RegExp(`^${token.id} +usable +0/2 +\\S+ +\\d+s +ci runners$`, 'm'));
    // The token registers a cluster, once it is what the hub handed out.
    await agent.register({ bootstrapToken: created.stdout.trim(), clusterUid: 'uid-gamma', name: 'gamma' });

    expect(await cli('tokens', 'revoke', token.id)).toEqual({
      code: EXIT.ok,
      stdout: `Bootstrap token ${token.id} revoked.\n`,
      stderr: '',
    });
    expect((await t.get<{ items: BootstrapToken[] }>('/api/v1/tokens')).body.items.find((i) => i.id === token.id)).toMatchObject({
      state: 'revoked',
      uses: 1,
    });
    await t.request('POST', '/api/v1/clusters/gamma/revoke');
  });

  it('auth: no token or a bad one is exit 3 with the GITFLEET_TOKEN hint; a viewer cannot pause (exit 3)', async () => {
    const none = await runCli(['status'], { env: { GITFLEET_HUB: t.hub.httpUrl } });
    expect(none).toEqual({
      code: EXIT.hub,
      stdout: '',
      stderr: 'gitfleet: the hub wants an API token: set GITFLEET_TOKEN (or --token) to an API token (unauthenticated)\n',
    });

    const bad = await runCli(['status', '--token', 'gfat_not-a-real-token-at-all'], { env: { GITFLEET_HUB: t.hub.httpUrl } });
    expect(bad.code).toBe(EXIT.hub);
    expect(bad.stderr).toMatch(
      /^gitfleet: the hub refused the API token \(.+\); set GITFLEET_TOKEN \(or --token\) to an API token that is valid \(unauthenticated\)\n$/,
    );
    expect(bad.stderr).not.toContain('not-a-real-token');

    const viewer = await t.apiToken('cli-viewer', 'viewer');
    expect((await runCli(['clusters'], { env: { GITFLEET_HUB: t.hub.httpUrl, GITFLEET_TOKEN: viewer } })).code).toBe(EXIT.ok);
    const refused = await runCli(['pause', 'web'], { env: { GITFLEET_HUB: t.hub.httpUrl, GITFLEET_TOKEN: viewer } });
    expect(refused.code).toBe(EXIT.hub);
    expect(refused.stderr).toMatch(/needs the operator role.*\(forbidden\)\n$/);
  });

  it('events: a log tail, oldest first; --follow prints new events as they are recorded', async () => {
    const tail = await cli('events', '--cluster', 'alpha');
    expect(tail.code).toBe(EXIT.ok);
    const lines = tail.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z {2}[a-z.]+ +alpha/);
    const times = lines.map((l) => l.split(' ')[0]);
    expect([...times].sort()).toEqual(times);

    const stop = new AbortController();
    // A minute between checks: what arrives within seconds came by the hub's live stream.
    const following = runCli(['events', '--cluster', 'alpha', '--type', 'sync.failed', '--follow'], {
      env,
      pollIntervalMs: 60_000,
      signal: stop.signal,
      onOutput: (out) => out.includes('dry-run failed again') && stop.abort(),
    });
    await new Promise((r) => setTimeout(r, 200));
    await report('alpha', 'prod', {
      phase: SyncPhase.SYNC_PHASE_FAILED,
      health: HealthStatus.HEALTH_STATUS_DEGRADED,
      message: 'dry-run failed again',
    });
    setTimeout(() => stop.abort(), 15_000).unref();
    const followed = await following;
    expect(followed.code).toBe(EXIT.interrupted);
    expect(followed.stdout).toMatch(/sync\.failed +alpha\/prod@[0-9a-f]{7} .*dry-run failed again/);
    await healthy('alpha', 'prod');
  });

  it('wait --commit: right after a push it waits for the hub to see the commit, then for every targeted cluster', async () => {
    const next = await t.repo.commit({ 'apps/prod/cm.yaml': CONFIGMAP('prod-2') }, 'prod 2');
    // The hub has not fetched it: no false green from the previous commit.
    const done = await stillWaitingUntilFetched(['wait', '--commit', next, '--for', 'healthy', '--timeout', '20s']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(EXIT.ok);
    expect(done.stdout).toContain(`Commit ${next.slice(0, 7)} (healthy): the hub has not seen ${next.slice(0, 7)} yet`);
    expect(done.stdout).toContain(`Commit ${next.slice(0, 7)} (healthy): ${next.slice(0, 7)} is healthy on all 3 targeted clusters`);
    expect(done.stdout).toMatch(new RegExp(`^prod +alpha +reached +synced +${next.slice(0, 7)} +-$`, 'm'));
    // beta is not targeted by prod: not waited for, not listed.
    expect(done.stdout).not.toMatch(/^prod +beta /m);
  });

  it('wait --commit: ends with exit 1 on a rejected commit, naming file and line; with the time-out code when time runs out', async () => {
    const good = await t.repo.head();
    const broken = await t.repo.commit({ 'fleet/prod.yaml': 'apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata: [\n' }, 'broken');
    await t.app.get(FleetRepoService).syncNow();
    const rejected = await cli('wait', '--commit', broken);
    expect(rejected.code).toBe(EXIT.problem);
    expect(rejected.stdout).toMatch(/^ {2}fleet\/prod\.yaml:\d+: /m);
    expect(rejected.stderr).toBe(
      `gitfleet: ${broken.slice(0, 7)} is the newest commit of fleet repository default, and the hub rejected it\n`,
    );
    expect((await cli('status')).code).toBe(EXIT.problem);

    // Unreachable on top of the rejection: both said, with the cause and since when.
    const away = `${t.repo.barePath}.away`;
    await rename(t.repo.barePath, away);
    try {
      await t.app.get(FleetRepoService).syncNow();
      const unreachable = await cli('status');
      expect(unreachable.code).toBe(EXIT.problem);
      expect(unreachable.stdout).toMatch(/^Fleet: +default at [0-9a-f]{7} \(unreachable\)$/m);
      expect(unreachable.stdout).toMatch(
        /✗ fleet repository default cannot be fetched since \d+s ago \(the clusters keep [0-9a-f]{7}\): git fetch of .* failed/,
      );
      expect(unreachable.stdout).toContain(`✗ fleet repository default: commit ${broken.slice(0, 7)} was rejected`);
      expect((await cli('bundles')).stderr).toMatch(/^note: fleet repository default cannot be fetched since /m);
    } finally {
      await rename(away, t.repo.barePath);
    }

    const never = await cli('wait', '--commit', 'f'.repeat(40), '--timeout', '300ms');
    expect(never.code).toBe(EXIT.timeout);
    expect(never.stderr).toMatch(/^gitfleet: timed out waiting for fffffff: the hub has not seen fffffff yet/);

    await t.repo.git('reset', '--hard', good);
    await t.repo.git('push', '--force', 'origin', 'HEAD:main');
    await t.app.get(FleetRepoService).syncNow();
    expect((await cli('status')).code).toBe(EXIT.ok);
  });

  it('rollout --watch --commit: follows the rollout of the commit pushed, not the finished one before it', async () => {
    expect((await cli('rollout', 'web')).stdout).toMatch(/: done, /);
    const next = await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-1b') }, 'web 1b');
    const watched = await stillWaitingUntilFetched(['rollout', 'web', '--watch', '--commit', next, '--timeout', '20s']);
    expect(watched.stderr).toBe('');
    expect(watched.code).toBe(EXIT.ok);
    expect(watched.stdout).toContain(`the hub has not seen ${next.slice(0, 7)} yet`);
    expect(watched.stdout).toContain(`Rollout of web at ${next.slice(0, 7)}`);

    // A bundle without a rollout: its clusters' progress instead, and a plain --watch says what to use.
    const none = await cli('rollout', 'prod', '--watch');
    expect(none.code).toBe(EXIT.problem);
    expect(none.stderr).toContain('to wait for a commit: gitfleet wait --commit <sha> --bundle prod');
    const prod = await cli('rollout', 'prod', '--watch', '--commit', next);
    expect(prod.code).toBe(EXIT.ok);
    // The commit left prod as it was: alpha reached it at the commit prod's targets still name.
    const { contentCommit } = (await t.get<{ contentCommit: string }>('/api/v1/bundles/prod')).body;
    expect(contentCommit).not.toBe(next);
    expect(prod.stdout).toMatch(new RegExp(`^prod +alpha +reached +synced +${contentCommit.slice(0, 7)} +-$`, 'm'));
  });

  it('rollout --watch follows a new revision until it is done (exit 0)', async () => {
    const v2 = await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-v2') }, 'web v2');
    await t.app.get(FleetRepoService).syncNow();
    await rollouts.stepNow();
    expect((await cli('rollout', 'web')).stdout).toMatch(/^canary +progressing +\[\.+\] 0\/1 +1 +alpha…$/m);
    // The commit's gate says why beta waits: the rollout has not admitted it.
    const gate = await t.get<{ bundles: { clusters: { cluster: string; state: string; message: string }[] }[] }>(
      `/api/v1/commits/${v2}?bundle=web`,
    );
    expect(gate.body.bundles[0].clusters.find((c) => c.cluster === 'beta')).toMatchObject({
      state: 'waiting',
      message: expect.stringMatching(/^at [0-9a-f]{7}; the rollout has not reached it yet$/),
    });

    const watching = runCli(['rollout', 'web', '--watch'], { env, pollIntervalMs: 60_000 }); // follows the live stream
    await settle();
    const watched = await watching;
    expect(watched.code).toBe(EXIT.ok);
    expect(watched.stdout).toContain('Rollout of web at');
    expect(watched.stdout).toMatch(/^canary +done +\[#{10}\] 1\/1 +1 +alpha✓$/m);
    expect(watched.stdout).toMatch(/^unpartitioned +done +\[#{10}\] 1\/1 +1 +beta✓$/m);
  });

  it('rollout --watch ends with exit 1 and the cause when the rollout halts', async () => {
    const next = await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-v3') }, 'web v3');
    await t.app.get(FleetRepoService).syncNow();
    await rollouts.stepNow();
    const watching = runCli(['rollout', 'web', '--watch'], { env, pollIntervalMs: 60_000 });
    const alpha = streams.get('alpha')!;
    await alpha.acked(
      alpha.report('web', next, {
        health: HealthStatus.HEALTH_STATUS_DEGRADED,
        resources: [
          {
            ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
            action: ResourceAction.RESOURCE_ACTION_CONFIGURED,
            health: HealthStatus.HEALTH_STATUS_DEGRADED,
          },
        ],
      }),
    );
    await rollouts.stepNow();
    const watched = await watching;
    expect(watched.code).toBe(EXIT.problem);
    expect(watched.stdout).toMatch(/^Halted: cluster alpha is degraded/m);
    expect(watched.stderr).toMatch(/^gitfleet: rollout of web halted: cluster alpha is degraded \(Deployment\/web\/web\)/);
    expect((await cli('status')).code).toBe(EXIT.problem);
    await eventually(async () => expect((await cli('rollout', 'web')).code).toBe(EXIT.problem));
  });
});
