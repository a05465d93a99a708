import { HealthStatus, ResourceAction } from '#proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { PlacementService } from '../placement/placement.service';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';
import type { RolloutView } from './rollout.controller';
import { RolloutStore } from './rollout-store';
import { RolloutService } from './rollout.service';

const ROLLED_OUT = `${BUNDLE('web')}  rollout:
    partitions:
      - name: canary
        clusterSelector: { matchLabels: { stage: canary } }
      - name: early
        clusterSelector: { matchLabels: { stage: early } }
      - name: late
        clusterSelector: { matchLabels: { stage: late } }
        maxUnavailable: 2
    maxUnavailable: 1
`;

const CLUSTERS = [
  ['c1', 'canary'],
  ['e1', 'early'],
  ['e2', 'early'],
  ['l1', 'late'],
  ['l2', 'late'],
  ['l3', 'late'],
] as const;

describe('rollout: partition by partition', () => {
  let t: TestHub;
  let agent: TestAgent;
  let rollouts: RolloutService;
  const streams = new Map<string, TestStream>();
  const reported = new Set<string>();

  /** Commit of `web` in each cluster's stored TargetSet ('-' when it has none). */
  const webCommits = async (): Promise<Record<string, string>> => {
    const rows = await t.query<{ name: string; commit: string | null }>(
      `SELECT c.name, (SELECT b.commit FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id
                       WHERE tt.cluster_id = c.id AND tt.bundle = 'web') AS commit
       FROM cluster c JOIN target_set t ON t.cluster_id = c.id ORDER BY c.name`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.commit ?? '-']));
  };

  /** Each cluster reports `web` healthy at whatever its TargetSet holds, once per commit, until the rollout settles. */
  const reportHeld = async (only?: string[]): Promise<void> => {
    const commits = await webCommits();
    for (const [name, commit] of Object.entries(commits)) {
      if (commit === '-' || reported.has(`${name}@${commit}`) || (only !== undefined && !only.includes(name))) continue;
      reported.add(`${name}@${commit}`);
      const stream = streams.get(name)!;
      await stream.acked(stream.report('web', commit));
    }
    await rollouts.stepNow();
  };

  const rollout = async () => (await t.get<RolloutView>('/api/v1/rollouts/web')).body;

  const degrade = async (name: string, commit: string) => {
    const stream = streams.get(name)!;
    await stream.acked(
      stream.report('web', commit, {
        health: HealthStatus.HEALTH_STATUS_DEGRADED,
        resources: [
          {
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web' },
            action: ResourceAction.RESOURCE_ACTION_UNCHANGED,
            health: HealthStatus.HEALTH_STATUS_HEALTHY,
          },
          {
            ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'web' },
            action: ResourceAction.RESOURCE_ACTION_CONFIGURED,
            health: HealthStatus.HEALTH_STATUS_DEGRADED,
            healthMessage: 'ImagePullBackOff',
          },
        ],
      }),
    );
    await rollouts.stepNow();
  };

  const commitFleet = async (files: Record<string, string | null>) => {
    const commit = await t.repo.commit(files, 'change');
    await t.app.get(FleetRepoService).syncNow();
    await rollouts.stepNow();
    return commit;
  };

  beforeAll(async () => {
    t = await startTestHub(
      {
        'fleet/web.yaml': ROLLED_OUT,
        'fleet/base.yaml': BUNDLE('base'),
        'apps/web/cm.yaml': CONFIGMAP('web'),
        'apps/base/cm.yaml': CONFIGMAP('base'),
      },
      { heartbeatIntervalMs: 60_000, rolloutTickIntervalMs: 600_000 },
    );
    agent = new TestAgent(t.hub.grpcAddress);
    rollouts = t.app.get(RolloutService);
    for (const [name, stage] of CLUSTERS) {
      const { clusterId, credential } = await agent.register({
        bootstrapToken: t.bootstrapToken,
        clusterUid: `uid-${name}`,
        name,
        labels: { stage },
      });
      const stream = agent.connect(credential);
      stream.hello(clusterId);
      streams.set(name, stream);
    }
    await rollouts.stepNow();
  });

  afterAll(async () => {
    for (const s of streams.values()) s.close();
    agent?.close();
    await t?.stop();
  });

  it('delivers even the first revision partition by partition, bundles without a rollout at once', async () => {
    const first = await t.repo.head();
    expect(await webCommits()).toEqual({ c1: first, e1: '-', e2: '-', l1: '-', l2: '-', l3: '-' });
    const base = await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM target_set_target WHERE bundle = 'base'`);
    expect(base).toEqual([{ n: 6 }]);
    for (let i = 0; i < 10 && (await rollout()).state !== 'done'; i++) await reportHeld();
    expect((await rollout()).state).toBe('done');
    expect(Object.values(await webCommits())).toEqual(Array(6).fill(first));
  });

  it('halts on a degraded cluster (naming cluster and resource), keeps later partitions on the old commit, and goes on once it recovers', async () => {
    const old = await t.repo.head();
    const next = await commitFleet({ 'apps/web/cm.yaml': CONFIGMAP('web-v2') });
    expect(await webCommits()).toEqual({ c1: next, e1: old, e2: old, l1: old, l2: old, l3: old });
    expect((await rollout()).partitions.map((p) => [p.name, p.state])).toEqual([
      ['canary', 'progressing'],
      ['early', 'pending'],
      ['late', 'pending'],
    ]);

    await reportHeld(['c1']);
    // maxUnavailable 1: one cluster of "early" at a time.
    expect(await webCommits()).toMatchObject({ e1: next, e2: old });
    await reportHeld(['e1']);
    expect(await webCommits()).toMatchObject({ e2: next, l1: old });

    await degrade('e2', next);
    const halted = await rollout();
    expect(halted.state).toBe('halted');
    expect(halted.halt).toMatchObject({ reason: 'failure', cluster: 'e2', resource: 'Deployment/web/web' });
    expect(halted.partitions.map((p) => [p.name, p.state])).toEqual([
      ['canary', 'done'],
      ['early', 'halted'],
      ['late', 'pending'],
    ]);
    // Every cluster counted; room for two lists the failed one first, then the first waiting.
    const two = (await t.get<RolloutView>('/api/v1/rollouts/web?clusters=2')).body;
    expect(two.partitions.map((p) => [p.name, p.counts, p.clusters, p.unlisted])).toEqual([
      ['canary', { waiting: 0, updating: 0, done: 1, failed: 0 }, [], 1],
      ['early', { waiting: 0, updating: 0, done: 1, failed: 1 }, [{ name: 'e2', state: 'failed' }], 1],
      ['late', { waiting: 3, updating: 0, done: 0, failed: 0 }, [{ name: 'l1', state: 'waiting' }], 2],
    ]);
    expect(halted.partitions[1].clusters).toEqual([
      { name: 'e2', state: 'failed' },
      { name: 'e1', state: 'done' },
    ]);
    await t.app.get(PlacementService).replaceAll();
    expect(await webCommits()).toMatchObject({ l1: old, l2: old, l3: old });
    const l1 = (await t.get<{ bundles: { bundle: string; phase: string; rollout: string }[] }>('/api/v1/clusters/l1')).body;
    expect(l1.bundles.find((b) => b.bundle === 'web')).toMatchObject({ phase: 'paused', rollout: 'paused' });

    // Recovery: healthy again at the new commit.
    const e2 = streams.get('e2')!;
    await e2.acked(e2.report('web', next));
    await rollouts.stepNow();
    expect((await rollout()).state).toBe('progressing');
    // "late" allows two at once: l1 and l2, not l3.
    expect(await webCommits()).toMatchObject({ l1: next, l2: next, l3: old });
    await reportHeld(['l1']);
    expect(await webCommits()).toMatchObject({ l2: next, l3: next });
    await reportHeld();
    expect((await rollout()).state).toBe('done');
  });

  it('never has more clusters updating in a partition than maxUnavailable, whatever order reports come in', async () => {
    const next = await commitFleet({ 'apps/web/cm.yaml': CONFIGMAP('web-v3') });
    let most = 0;
    for (let i = 0; i < 12 && (await rollout()).state !== 'done'; i++) {
      const view = await rollout();
      for (const p of view.partitions) {
        const updating = p.clusters.filter((c) => c.state === 'updating' || c.state === 'failed').length;
        expect(updating).toBeLessThanOrEqual(p.maxUnavailable);
        most = Math.max(most, updating);
      }
      // Only one cluster reports per round, so updates pile up if the hub admitted too many.
      const commits = await webCommits();
      const next1 = Object.entries(commits).find(([name, commit]) => commit === next && !reported.has(`${name}@${commit}`));
      if (next1 !== undefined) await reportHeld([next1[0]]);
    }
    expect((await rollout()).state).toBe('done');
    expect(most).toBe(2);
  });

  it('pauses and resumes through the API', async () => {
    const old = await t.repo.head();
    const next = await commitFleet({ 'apps/web/cm.yaml': CONFIGMAP('web-v4') });
    const paused = await t.request<RolloutView>('POST', '/api/v1/rollouts/web/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', paused: true, halt: { reason: 'paused' } });
    await reportHeld(['c1']);
    expect(await webCommits()).toMatchObject({ c1: next, e1: old });
    const resumed = await t.request<RolloutView>('POST', '/api/v1/rollouts/web/resume');
    expect(resumed.body).toMatchObject({ state: 'progressing', paused: false, halt: null });
    expect(await webCommits()).toMatchObject({ e1: next, e2: old });
    expect((await t.request('POST', '/api/v1/rollouts/nothing/pause')).status).toBe(404);
  });

  it('pins a bundle to an older commit on all its clusters at once, above the rollout, and unpins', async () => {
    const [first] = (await t.query<{ commit: string }>(`SELECT commit FROM fleet_commit ORDER BY accepted_at LIMIT 1`)).map(
      (r) => r.commit,
    );
    const current = await t.repo.head();
    const pinned = await t.request<{ bundle: string; commit: string }>('POST', '/api/v1/bundles/web/pin', { commit: first });
    expect(pinned).toMatchObject({ status: 200, body: { bundle: 'web', commit: first } });
    expect(Object.values(await webCommits())).toEqual(Array(6).fill(first));
    const bundles = (await t.get<{ items: { name: string; pin: { commit: string } | null }[] }>('/api/v1/bundles')).body.items;
    expect(bundles.find((b) => b.name === 'web')?.pin).toMatchObject({ commit: first });
    await eventually(async () => {
      const stream = streams.get('l3')!;
      const last = stream.ofKind('targetSet').at(-1)!;
      expect(last.targets.find((x) => x.bundle === 'web')?.source?.commit).toBe(first);
    });

    expect((await t.request('POST', '/api/v1/bundles/web/pin', { commit: 'f'.repeat(40) })).status).toBe(422);
    expect((await t.request('POST', '/api/v1/bundles/web/pin', { commit: 'main' })).status).toBe(400);
    expect((await t.request('POST', '/api/v1/bundles/nope/pin', { commit: first })).status).toBe(404);

    expect((await t.request('DELETE', '/api/v1/bundles/web/pin')).status).toBe(204);
    // Back under the rollout: admitted clusters get the current commit, the others keep what they hold.
    expect(await webCommits()).toMatchObject({ c1: current, e1: current, l3: first });
    expect((await t.request('DELETE', '/api/v1/bundles/web/pin')).status).toBe(404);
  });

  it('starts over from the first partition for a fixing commit after a halt', async () => {
    await reportHeld();
    const broken = await t.repo.head();
    await degrade('e1', broken);
    expect((await rollout()).halt).toMatchObject({ cluster: 'e1' });
    const fix = await commitFleet({ 'apps/web/cm.yaml': CONFIGMAP('web-fixed') });
    const view = await rollout();
    expect([view.state, view.halt]).toEqual(['progressing', null]);
    expect(await webCommits()).toMatchObject({ c1: fix, e1: broken });
    await reportHeld(['c1']);
    expect(await webCommits()).toMatchObject({ e1: fix });
  });

  it('records which TargetSet revision brought each bundle, and from which revision a status was reported', async () => {
    const [row] = await t.query<{ id: string; revision: string; bundle_revisions: Record<string, string>; commit: string }>(
      `SELECT c.id::text AS id, t.revision::text AS revision, t.bundle_revisions,
              (SELECT b.commit FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id
                WHERE tt.cluster_id = c.id AND tt.bundle = 'web') AS commit
       FROM cluster c JOIN target_set t ON t.cluster_id = c.id WHERE c.name = 'c1'`,
    );
    const since = row.bundle_revisions['web'];
    expect(BigInt(since)).toBeGreaterThan(0n);
    expect(BigInt(since)).toBeLessThanOrEqual(BigInt(row.revision));
    const stream = streams.get('c1')!;
    await stream.acked(stream.report('web', row.commit, { targetSetRevision: row.revision }));
    const [status] = await t.query<{ target_set_revision: string }>(
      `SELECT target_set_revision::text FROM bundle_status WHERE cluster_id = $1 AND bundle = 'web'`,
      [row.id],
    );
    expect(status.target_set_revision).toBe(row.revision);
  });

  it('reads the targets of TargetSets stored before target digests, and goes on from them', async () => {
    for (let i = 0; i < 10 && (await rollout()).state !== 'done'; i++) await reportHeld();
    const done = await rollout();
    expect(done.state).toBe('done');
    // Rows as a hub from before the digest column left them, and the rollout started over (as
    // when spec.rollout is taken out of a bundle and put back): only what the clusters hold,
    // read from their targets, says that every one already has the revision.
    const undigested = async () =>
      (await t.query<{ n: number }>(`SELECT count(*)::int AS n FROM target_set WHERE target_digests IS NULL`))[0].n;
    await t.query(`UPDATE target_set SET target_digests = NULL`);
    await t.query(`DELETE FROM rollout`);
    // Changed behind the hub's back: the tick's step reads every cluster again.
    rollouts.tick();
    await rollouts.settled();
    expect(await rollout()).toEqual({ ...done, startedAt: expect.any(String), updatedAt: expect.any(String) });
    expect(await undigested()).toBe(6);

    // A new commit goes out partition by partition from them: the canary first.
    const old = await t.repo.head();
    const next = await commitFleet({ 'apps/web/cm.yaml': CONFIGMAP('web-undigested') });
    expect(await webCommits()).toEqual({ c1: next, e1: old, e2: old, l1: old, l2: old, l3: old });
    expect((await rollout()).partitions.map((p) => [p.name, p.counts])).toEqual([
      ['canary', { waiting: 0, updating: 1, done: 0, failed: 0 }],
      ['early', { waiting: 2, updating: 0, done: 0, failed: 0 }],
      ['late', { waiting: 3, updating: 0, done: 0, failed: 0 }],
    ]);
    await reportHeld(['c1']);
    expect(await webCommits()).toMatchObject({ e1: next, e2: old });
  });

  it('writes nothing for a step that changes nothing: updatedAt is the last change', async () => {
    const version = async () => (await t.query<{ xmin: string }>(`SELECT xmin::text FROM rollout WHERE bundle = 'web'`))[0].xmin;
    const before = await rollout();
    const row = await version();
    await rollouts.stepNow();
    await rollouts.stepNow();
    expect(await rollout()).toEqual(before);
    expect(await version()).toBe(row);
    // A report that changes a cluster's state is written.
    await reportHeld(['e1']);
    expect((await rollout()).updatedAt).not.toBe(before.updatedAt);
    expect(await version()).not.toBe(row);
  });

  it('steps after a status that changed what it decides on, not after the same status said again', async () => {
    await rollouts.stepNow();
    const store = t.app.get(RolloutStore);
    const read = store.clusterFacts.bind(store);
    let steps = 0;
    store.clusterFacts = async (bundle, ids) => {
      steps++;
      return read(bundle, ids);
    };
    const [held] = await t.query<{ commit: string; phase: string; health: string; message: string; revision: string | null }>(
      `SELECT s.commit, s.phase, s.health, s.message, s.target_set_revision::text AS revision
         FROM bundle_status s JOIN cluster c ON c.id = s.cluster_id WHERE c.name = 'c1' AND s.bundle = 'web'`,
    );
    expect([held.phase, held.health]).toEqual(['synced', 'healthy']);
    const c1 = streams.get('c1')!;
    const say = async (fields: Parameters<TestStream['report']>[2]) => {
      await c1.acked(c1.report('web', held.commit, { message: held.message, targetSetRevision: held.revision ?? undefined, ...fields }));
      await new Promise((resolve) => setImmediate(resolve));
      await rollouts.settled();
    };
    try {
      // As an agent's resync says it again: the same commit, phase, health, message and revision.
      await say({});
      await say({});
      expect(steps).toBe(0);
      await say({ health: HealthStatus.HEALTH_STATUS_PROGRESSING });
      expect(steps).toBe(1);
      await say({});
      expect(steps).toBe(2);
    } finally {
      store.clusterFacts = read;
    }
  });

  it('reads again only the clusters whose facts changed since the last step: a TargetSet, a status, new labels', async () => {
    for (let i = 0; i < 10 && (await rollout()).state !== 'done'; i++) await reportHeld();
    const store = t.app.get(RolloutStore);
    const read = store.clusterFacts.bind(store);
    const names = new Map(
      (await t.query<{ id: string; name: string }>(`SELECT id::text AS id, name FROM cluster`)).map((r) => [r.id, r.name]),
    );
    const reads: string[][] = [];
    store.clusterFacts = async (bundle, ids) => {
      reads.push(ids === undefined ? ['all'] : ids.map((id) => names.get(id) ?? id));
      return read(bundle, ids);
    };
    const readSince = (from: number) => [...new Set(reads.slice(from).flat())].sort();
    try {
      const old = await t.repo.head();
      const next = await commitFleet({ 'apps/web/cm.yaml': CONFIGMAP('web-kept'), 'apps/base/cm.yaml': CONFIGMAP('base-2') });
      // Every cluster's TargetSet changed (base's files did, and base has no rollout): all read
      // again; then the canary's, once the step admitted it to the new revision.
      expect(reads).toEqual([['all'], ['c1']]);
      let from = reads.length;
      await reportHeld(['c1']);
      // c1's report, then e1's new TargetSet once the step admitted it.
      expect(readSince(from)).toEqual(['c1', 'e1']);
      expect(await webCommits()).toMatchObject({ c1: next, e1: next, e2: old });

      // l1 says it is early now (a re-registration with new labels): its partition changes.
      from = reads.length;
      await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-l1', name: 'l1', labels: { stage: 'early' } });
      await rollouts.stepNow();
      expect(readSince(from)).toEqual(['l1']);
      const early = (await rollout()).partitions.find((p) => p.name === 'early')!;
      expect(early.clusters.map((c) => c.name).sort()).toEqual(['e1', 'e2', 'l1']);
    } finally {
      store.clusterFacts = read;
    }
  });
});

describe('rollout: forgetting rollouts that ended', () => {
  let t: TestHub;
  let rollouts: RolloutService;
  const TICK_MS = 400;
  /** A rollout row as another replica (or an older fleet commit with a rollout) left it. */
  const leftOver = (bundle: string) =>
    t.query(
      `INSERT INTO rollout (bundle, revision, commit, state, admitted, partitions, started_at, updated_at)
       VALUES ($1, 'r1', 'c1', 'progressing', '[]', '[]', now(), now())`,
      [bundle],
    );
  const stored = async () => (await t.query<{ bundle: string }>(`SELECT bundle FROM rollout ORDER BY bundle`)).map((r) => r.bundle);

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { rolloutTickIntervalMs: TICK_MS });
    rollouts = t.app.get(RolloutService);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('forgets at once after a fleet commit, and within a tick interval what appears under the same commit', async () => {
    await rollouts.stepNow();
    await leftOver('gone');
    await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-v2') }, 'change');
    await t.app.get(FleetRepoService).syncNow();
    await rollouts.stepNow();
    expect(await stored()).toEqual([]);
    // Same commit, same pins: no DELETE on every step, but no row outlives a tick interval either.
    await leftOver('late');
    await eventually(async () => {
      await rollouts.stepNow();
      expect(await stored()).toEqual([]);
    });
  });
});
