import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { RejectReason, RenderKind, SyncPhase, ResourceAction, ResourceResult, StatusReport, Target } from '#proto';
import { STATUS_ACKS_CAPABILITY, TARGET_SET_DELTAS_CAPABILITY, wholeTargetSet } from '#core';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { targetSetChecksum } from '../placement/target-set';
import { TargetSetStore } from '../placement/target-set-store';
import { FleetGateway } from './fleet-gateway.service';
import { BUNDLE, CONFIGMAP, TestAgent, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import { CREDENTIAL_REJECTION_TRAILER } from './credential-refusal';

const FILES = {
  'fleet/web.yaml': BUNDLE('web'),
  'fleet/prod.yaml': BUNDLE('prod', '{ matchLabels: { env: prod } }'),
  'apps/web/cm.yaml': CONFIGMAP('web'),
  'apps/prod/cm.yaml': CONFIGMAP('prod'),
};

function report(seq: string, bundle: string, commit: string, phase = SyncPhase.SYNC_PHASE_SYNCED): StatusReport {
  return StatusReport.fromPartial({
    seq,
    bundle,
    commit,
    phase,
    message: '',
    resources: [
      ResourceResult.fromPartial({
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: bundle, name: bundle },
        action: ResourceAction.RESOURCE_ACTION_CREATED,
        error: '',
      }),
    ],
    observedAt: new Date().toISOString(),
    targetSetRevision: '1',
  });
}

describe('gateway: heartbeats', () => {
  let t: TestHub;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 150 });
    agent = new TestAgent(t.hub.grpcAddress);
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('sends heartbeats, and closes a stream whose agent stays silent for three intervals', async () => {
    const { clusterId, credential } = await agent.register({ bootstrapToken: t.bootstrapToken, name: 'quiet' });
    const chatty = agent.connect(credential);
    chatty.hello(clusterId);
    const beat = setInterval(() => chatty.send({ $case: 'heartbeat', value: { sentAt: new Date().toISOString() } }), 100);
    try {
      await chatty.nth('heartbeat', 4);
      expect(chatty.status).toBeUndefined();
    } finally {
      clearInterval(beat);
    }
    const started = Date.now();
    expect((await chatty.ended(5_000)).code).toBe(GrpcStatus.UNAVAILABLE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await eventually(async () => {
      const rows = await t.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE id = $1`, [clusterId]);
      expect(rows[0].connected).toBe(false);
    });
  });
});

describe('gateway: the Fleet gRPC service', () => {
  let t: TestHub;
  let agent: TestAgent;
  let prod: { clusterId: string; credential: string };
  let dev: { clusterId: string; credential: string };
  let commit: string;

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    commit = await t.repo.head();
    agent = new TestAgent(t.hub.grpcAddress);
    prod = await agent.register({ bootstrapToken: t.bootstrapToken, name: 'prod-1', labels: { env: 'prod' } });
    dev = await agent.register({ bootstrapToken: t.bootstrapToken, name: 'dev-1', labels: { env: 'dev' } });
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('sends a cluster with a good credential its own TargetSet after Hello', async () => {
    const stream = agent.connect(prod.credential);
    stream.hello(prod.clusterId);
    const targetSet = await stream.nth('targetSet');
    expect(targetSet.revision).toBe('1');
    expect(targetSet.targets.map((x) => x.bundle)).toEqual(['prod', 'web']);
    expect(targetSet.targets[1]).toEqual(
      Target.fromPartial({
        bundle: 'web',
        source: { repoUrl: t.repo.url, commit, path: 'apps/web' },
        defaultNamespace: 'web',
        syncPolicy: { prune: false, selfHeal: false },
        values: { 'cluster.labels.env': 'prod', 'cluster.name': 'prod-1' },
        render: { kind: RenderKind.RENDER_KIND_RAW },
        artifact: targetSet.targets[1].artifact,
      }),
    );
    // The source packed by the hub: what agents fetch instead of cloning the repository.
    expect(targetSet.targets[1].artifact).toMatchObject({
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      size: expect.stringMatching(/^[1-9]\d*$/),
    });
    expect(targetSet.checksum).toBe(targetSetChecksum(targetSet.targets as never));
    stream.close();

    const devStream = agent.connect(dev.credential);
    devStream.hello(dev.clusterId);
    expect((await devStream.nth('targetSet')).targets.map((x) => x.bundle)).toEqual(['web']);
    devStream.close();
  });

  it('refuses a wrong, malformed or missing credential with UNAUTHENTICATED and sends nothing', async () => {
    for (const credential of [`${prod.clusterId}.not-the-secret`, 'garbage', `${prod.credential}x`]) {
      const stream = agent.connect(credential);
      stream.hello(prod.clusterId);
      const status = await stream.ended();
      expect(status.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(stream.received).toEqual([]);
    }
    const unknown = agent.connect(`00000000-0000-4000-8000-000000000000.${'a'.repeat(43)}`);
    const unknownStatus = await unknown.ended();
    expect(unknownStatus).toMatchObject({ code: GrpcStatus.UNAUTHENTICATED, details: 'unknown cluster' });
    // The typed rejection agents act on, beside the details meant for people.
    expect(unknownStatus.metadata.get(CREDENTIAL_REJECTION_TRAILER)).toEqual(['CREDENTIAL_REJECTION_UNKNOWN_CLUSTER']);
    const noHeader = agent.client.connect();
    const ended = await new Promise<ServiceError>((resolve) => noHeader.on('error', resolve));
    expect(ended.code).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it('refuses a Hello that names another cluster', async () => {
    const stream = agent.connect(prod.credential);
    stream.hello(dev.clusterId);
    expect((await stream.ended()).code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(stream.ofKind('targetSet')).toEqual([]);
  });

  it('writes acks of one batch as one: an older ack arriving with a newer one never wins', async () => {
    const current = (
      await t.query<{ revision: string; checksum: string }>(`SELECT revision, checksum FROM target_set WHERE cluster_id = $1`, [
        prod.clusterId,
      ])
    )[0];
    const targetSets = t.app.get(TargetSetStore);
    const older = String(BigInt(current.revision) - 1n);
    // Same tick: same batch, newest first, then an older one that must not overwrite it.
    await Promise.all([
      targetSets.recordAck(prod.clusterId, current.revision, current.checksum),
      targetSets.recordAck(prod.clusterId, older, 'older'),
    ]);
    const rows = await t.query<{ acked_revision: string; acked_checksum: string }>(
      `SELECT acked_revision, acked_checksum FROM target_set WHERE cluster_id = $1`,
      [prod.clusterId],
    );
    expect(rows[0]).toEqual({ acked_revision: current.revision, acked_checksum: current.checksum });
  });

  it('sends nothing when the agent already holds the current checksum, and records its ack', async () => {
    const current = (
      await t.query<{ revision: string; checksum: string }>(`SELECT revision, checksum FROM target_set WHERE cluster_id = $1`, [
        prod.clusterId,
      ])
    )[0];
    const stream = agent.connect(prod.credential);
    stream.hello(prod.clusterId, current.checksum);
    stream.send({ $case: 'targetSetAck', value: { revision: current.revision, checksum: current.checksum } });
    await eventually(async () => {
      const rows = await t.query<{ acked_revision: string | null }>(`SELECT acked_revision FROM target_set WHERE cluster_id = $1`, [
        prod.clusterId,
      ]);
      expect(rows[0].acked_revision).toBe(current.revision);
    });
    expect(stream.ofKind('targetSet')).toEqual([]);
    stream.close();
  });

  it('acks a status report only once it is stored, and acks a re-sent seq again without storing it twice', async () => {
    const stream = agent.connect(prod.credential);
    stream.hello(prod.clusterId);
    await stream.nth('targetSet');
    const seq = '1732240000000001';
    let rowsWhenAcked: unknown[] | undefined;
    const firstAck = stream.nth('statusAck').then(async (ack) => {
      rowsWhenAcked = await t.query(`SELECT seq FROM status_report WHERE cluster_id = $1 AND seq = $2`, [prod.clusterId, seq]);
      return ack;
    });
    stream.send({ $case: 'statusReport', value: report(seq, 'web', commit) });
    expect(await firstAck).toEqual({ seq, moreSeqs: [] });
    expect(rowsWhenAcked).toHaveLength(1);

    stream.send({ $case: 'statusReport', value: { ...report(seq, 'web', commit), message: 're-sent copy' } });
    expect(await stream.nth('statusAck', 2)).toEqual({ seq, moreSeqs: [] });
    const history = await t.query<{ message: string }>(`SELECT message FROM status_report WHERE cluster_id = $1`, [prod.clusterId]);
    expect(history).toEqual([{ message: '' }]);
    stream.close();
  });

  it('does not ack a report while the database cannot store it', async () => {
    const stream = agent.connect(prod.credential);
    stream.hello(prod.clusterId);
    await stream.nth('targetSet');
    const { Client } = await import('pg');
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE status_report IN ACCESS EXCLUSIVE MODE');
      stream.send({ $case: 'statusReport', value: report('1732240000000005', 'web', commit) });
      await new Promise((r) => setTimeout(r, 500));
      expect(stream.ofKind('statusAck')).toEqual([]);
      await blocker.query('COMMIT');
      expect(await stream.nth('statusAck')).toEqual({ seq: '1732240000000005', moreSeqs: [] });
    } finally {
      await blocker.end();
      stream.close();
    }
  });

  it('keeps the newest seq as the current status even when an older report arrives later', async () => {
    const stream = agent.connect(prod.credential);
    stream.hello(prod.clusterId);
    stream.send({ $case: 'statusReport', value: report('1732240000000020', 'prod', commit, SyncPhase.SYNC_PHASE_SYNCED) });
    stream.send({ $case: 'statusReport', value: report('1732240000000010', 'prod', commit, SyncPhase.SYNC_PHASE_FAILED) });
    await stream.nth('statusAck', 2);
    expect(stream.ofKind('statusAck').map((a) => a.seq)).toEqual(['1732240000000020', '1732240000000010']);
    const current = await t.query(`SELECT phase, last_seq::text AS seq FROM bundle_status WHERE cluster_id = $1 AND bundle = 'prod'`, [
      prod.clusterId,
    ]);
    expect(current).toEqual([{ phase: 'synced', seq: '1732240000000020' }]);
    const history = await t.query(`SELECT count(*)::int AS n FROM status_report WHERE cluster_id = $1 AND bundle = 'prod'`, [
      prod.clusterId,
    ]);
    expect(history).toEqual([{ n: 2 }]);
    stream.close();
  });

  it('acks reports stored together with one StatusAck when the agent announces status-acks/v1, each seq once and in order', async () => {
    const stream = agent.connect(prod.credential);
    stream.hello(prod.clusterId, '', [STATUS_ACKS_CAPABILITY]);
    const seqs = Array.from({ length: 20 }, (_, i) => String(1732240000000200 + i));
    for (const seq of seqs) stream.send({ $case: 'statusReport', value: report(seq, 'prod', commit) });
    for (const seq of seqs) await stream.acked(seq);
    const acks = stream.ofKind('statusAck');
    expect(acks.flatMap((a) => [a.seq, ...a.moreSeqs])).toEqual(seqs);
    // Twenty reports sent at once are written in one or two batches, not twenty.
    expect(acks.length).toBeLessThan(seqs.length);
    stream.close();
  });

  it('refuses a report whose seq is not a decimal uint64, without acking it, and keeps the session', async () => {
    const stream = agent.connect(dev.credential);
    stream.hello(dev.clusterId);
    stream.send({ $case: 'statusReport', value: report('-1', 'web', commit) });
    expect(await stream.nth('statusReject')).toMatchObject({ seq: '-1', reason: RejectReason.REJECT_REASON_INVALID });
    expect(stream.ofKind('statusAck')).toEqual([]);
    expect(stream.status).toBeUndefined();
    stream.close();
  });

  it('pushes a new TargetSet on the open stream when a new fleet commit changes the targets', async () => {
    const stream = agent.connect(dev.credential);
    stream.hello(dev.clusterId);
    const first = await stream.nth('targetSet');
    const next = await t.repo.commit({ 'fleet/api.yaml': BUNDLE('api'), 'apps/api/cm.yaml': CONFIGMAP('api') }, 'add api');
    await t.app.get(FleetRepoService).syncNow();
    const pushed = await stream.nth('targetSet', 2);
    expect(BigInt(pushed.revision)).toBe(BigInt(first.revision) + 1n);
    // The commit left web as it was: its target is exactly the one the cluster holds.
    expect(pushed.targets.map((x) => [x.bundle, x.source?.commit])).toEqual([
      ['api', next],
      ['web', first.targets.find((x) => x.bundle === 'web')!.source?.commit],
    ]);
    expect(pushed.targets[1]).toEqual(first.targets.find((x) => x.bundle === 'web'));
    stream.close();
  });

  it('leaves TargetSets that a placement pass is still writing to the pass: a sweep meanwhile reads none of them again', async () => {
    const stream = agent.connect(dev.credential);
    stream.hello(dev.clusterId);
    await stream.nth('targetSet');
    const store = t.app.get(TargetSetStore);
    const db = t.app.get(DataSource);
    const write = store.write.bind(store);
    const query = db.query.bind(db);
    let targetSetReads = 0;
    let sweepRead: () => void = () => undefined;
    const sweepHasRead = new Promise<void>((resolve) => (sweepRead = resolve));
    db.query = (async (sql: string, params?: unknown[]) => {
      if (sql.includes('FROM target_set t JOIN cluster c')) targetSetReads++;
      const rows: unknown = await query(sql, params);
      if (sql.includes('FROM cluster c LEFT JOIN target_set t')) sweepRead();
      return rows;
    }) as typeof db.query;
    let sweeping: Promise<void> | undefined;
    // The pass has written this cluster's new TargetSet and not announced it yet: the sweep
    // (what the heartbeat-interval timer runs) reads it then.
    store.write = async (chunk) => {
      const written = await write(chunk);
      sweeping = t.app.get(FleetGateway).sweep();
      await sweepHasRead;
      return written;
    };
    try {
      await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-swept') }, 'change web during a sweep');
      await t.app.get(FleetRepoService).syncNow();
      await stream.nth('targetSet', 2);
      await sweeping;
    } finally {
      store.write = write;
      db.query = query;
    }
    expect(sweeping).toBeDefined();
    expect(targetSetReads).toBe(0);
    expect(stream.ofKind('targetSet')).toHaveLength(2);
    stream.close();
  });

  it('replaces the older session of a cluster by a newer one', async () => {
    const older = agent.connect(dev.credential);
    older.hello(dev.clusterId);
    await older.nth('targetSet');
    const newer = agent.connect(dev.credential);
    newer.hello(dev.clusterId);
    await newer.nth('targetSet');
    expect((await older.ended()).code).toBe(GrpcStatus.ABORTED);
    expect(newer.status).toBeUndefined();
    const rows = await t.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE id = $1`, [dev.clusterId]);
    expect(rows[0].connected).toBe(true);
    newer.close();
    await eventually(async () => {
      const after = await t.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE id = $1`, [dev.clusterId]);
      expect(after[0].connected).toBe(false);
    });
  });

  it('sends a TargetSet placed after the agent authenticated but before its Hello, though its checksum was current then', async () => {
    const head = async () =>
      (
        await t.query<{ revision: string; checksum: string }>(`SELECT revision, checksum FROM target_set WHERE cluster_id = $1`, [
          prod.clusterId,
        ])
      )[0];
    const before = await head();
    const stream = agent.connect(prod.credential);
    // Authenticated (and so its TargetSet read) once the hub records the connect.
    await eventually(async () => {
      const rows = await t.query<{ connected: boolean }>(`SELECT connected FROM cluster WHERE id = $1`, [prod.clusterId]);
      expect(rows[0].connected).toBe(true);
    });
    await t.repo.commit({ 'fleet/db.yaml': BUNDLE('db'), 'apps/db/cm.yaml': CONFIGMAP('db') }, 'add db');
    await t.app.get(FleetRepoService).syncNow();
    await eventually(async () => expect(BigInt((await head()).revision)).toBeGreaterThan(BigInt(before.revision)));
    stream.hello(prod.clusterId, before.checksum);
    const sent = await stream.nth('targetSet');
    expect(sent.checksum).toBe((await head()).checksum);
    expect(sent.targets.map((x) => x.bundle)).toContain('db');
    stream.close();
  });
});

describe('gateway: TargetSet deltas', () => {
  let t: TestHub;
  let agent: TestAgent;
  let dev: { clusterId: string; credential: string };

  beforeAll(async () => {
    t = await startTestHub(FILES, { heartbeatIntervalMs: 60_000 });
    agent = new TestAgent(t.hub.grpcAddress);
    dev = await agent.register({ bootstrapToken: t.bootstrapToken, name: 'dev-1', labels: { env: 'dev' } });
  });

  afterAll(async () => {
    agent?.close();
    await t?.stop();
  });

  it('sends an agent that takes deltas only the targets changed since the TargetSet it was sent, or named in Hello', async () => {
    const deltas = [TARGET_SET_DELTAS_CAPABILITY];
    const stream = agent.connect(dev.credential);
    stream.hello(dev.clusterId, '', deltas);
    // Nothing held: the whole TargetSet.
    const first = await stream.nth('targetSet');
    expect(first).toMatchObject({ baseChecksum: '', keptBundles: [] });
    expect(first.targets.map((x) => x.bundle)).toEqual(['web']);

    const added = await t.repo.commit({ 'fleet/api.yaml': BUNDLE('api'), 'apps/api/cm.yaml': CONFIGMAP('api') }, 'add api');
    await t.app.get(FleetRepoService).syncNow();
    const second = await stream.nth('targetSet', 2);
    // Built on what the stream carried: `api` is new, `web` kept as it was.
    expect(second).toMatchObject({ baseChecksum: first.checksum, keptBundles: ['web'] });
    expect(second.targets.map((x) => [x.bundle, x.source?.commit])).toEqual([['api', added]]);
    const held = wholeTargetSet(first, second);
    expect(held.targets.map((x) => x.bundle)).toEqual(['api', 'web']);
    expect(held.checksum).toBe(second.checksum);
    stream.close();

    // A new stream whose Hello names what is held: nothing sent, and the next delta is built on it.
    const again = agent.connect(dev.credential);
    again.hello(dev.clusterId, held.checksum, deltas);
    const changed = await t.repo.commit({ 'apps/web/cm.yaml': CONFIGMAP('web-2') }, 'change web');
    await t.app.get(FleetRepoService).syncNow();
    const third = await again.nth('targetSet');
    expect(third).toMatchObject({ baseChecksum: held.checksum, keptBundles: ['api'] });
    expect(third.targets.map((x) => [x.bundle, x.source?.commit])).toEqual([['web', changed]]);
    expect(wholeTargetSet(held, third).checksum).toBe(third.checksum);
    expect(again.received.filter((m) => m.kind?.$case === 'targetSet')).toHaveLength(1);

    // A bundle that leaves is simply not kept.
    await t.repo.commit({ 'fleet/api.yaml': null }, 'remove api');
    await t.app.get(FleetRepoService).syncNow();
    const fourth = await again.nth('targetSet', 2);
    expect(fourth).toMatchObject({ baseChecksum: third.checksum, keptBundles: ['web'], targets: [] });
    expect(wholeTargetSet(wholeTargetSet(held, third), fourth).targets.map((x) => x.bundle)).toEqual(['web']);
    again.close();
  });
});
