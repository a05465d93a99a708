import { Metadata, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_ACKS_CAPABILITY, TARGET_SET_DELTAS_CAPABILITY, targetSetChecksumOf } from '#core';
import { RejectReason, StatusReport, Target, type AgentMessage, type FleetClient, type TargetSet } from '#proto';
import { createLogger } from '../logger';
import { FakeHub, heartbeatsEvery, until } from '../testing/fake-hub';
import { capturingLogger } from '../testing/log-capture';
import { createFleetClient } from './fleet-client';
import { CREDENTIAL_REJECTION_TRAILER, credentialRejection } from './credential-rejection';
import { FleetLink, type LinkHandler } from './fleet-link';

function report(seq: string): StatusReport {
  return StatusReport.fromPartial({
    seq,
    bundle: 'web',
    commit: 'c'.repeat(40),
    phase: 2,
    message: '',
    resources: [],
    observedAt: '',
    targetSetRevision: '1',
  });
}

function kinds(messages: AgentMessage[]): string[] {
  return messages.map((m) => (m.kind?.$case === 'statusReport' ? `report:${m.kind.value.seq}` : m.kind!.$case));
}

/** A target of bundle `bundle` at a commit of `c`s. */
function sourceTarget(bundle: string, c: string): Target {
  return Target.fromPartial({ bundle, source: { repoUrl: 'https://git.example/f.git', commit: c.repeat(40), path: bundle } });
}

/** A whole TargetSet of one bundle, `web`, as an agent holds it. */
function heldWeb(): TargetSet {
  const web = sourceTarget('web', 'a');
  return { revision: '4', checksum: targetSetChecksumOf([web]), targets: [web], baseChecksum: '', keptBundles: [] };
}

const silent = createLogger('silent');
let hub: FakeHub;
let link: FleetLink | undefined;
let client: FleetClient | undefined;

function startLink(handler: Partial<LinkHandler> = {}, extra: { heartbeatIntervalMs?: number; baseMs?: number } = {}): FleetLink {
  client = createFleetClient(hub.address);
  link = new FleetLink({
    client,
    heartbeatIntervalMs: extra.heartbeatIntervalMs ?? 10_000,
    handler: { heldTargetSet: () => undefined, takeTargetSet: async () => {}, ...handler },
    logger: silent,
    backoff: { baseMs: extra.baseMs ?? 20, factor: 2, capMs: 2000, resetAfterMs: 30_000 },
    random: () => 0.999,
  });
  link.start({ clusterId: 'c-123', credential: 'c-123.s3cret' });
  return link;
}

afterEach(async () => {
  await link?.stop();
  link = undefined;
  client?.close();
  hub.stop();
});

describe('FleetLink', () => {
  it('authenticates with the bearer credential and says Hello with the checksum it holds', async () => {
    hub = new FakeHub();
    await hub.start();
    startLink({ heldTargetSet: () => ({ revision: '2', checksum: 'abc123', targets: [], baseChecksum: '', keptBundles: [] }) });
    await until(() => hub.streams[0]?.received.length === 1);
    const stream = hub.streams[0];
    expect(stream.metadata.get('authorization')).toEqual(['Bearer c-123.s3cret']);
    expect(stream.received[0].kind).toEqual({
      $case: 'hello',
      value: expect.objectContaining({ clusterId: 'c-123', targetSetChecksum: 'abc123', lastAckedSeq: '' }),
    });
  });

  it('acks a TargetSet only after the agent has taken it in hand', async () => {
    hub = new FakeHub();
    await hub.start();
    const targetSet: TargetSet = { revision: '3', checksum: 'f00d', targets: [], baseChecksum: '', keptBundles: [] };
    hub.onConnect = (call) => call.write({ kind: { $case: 'targetSet', value: targetSet } });
    let release!: () => void;
    const taken: TargetSet[] = [];
    startLink({
      takeTargetSet: (ts) => {
        taken.push(ts);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await until(() => taken.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(kinds(hub.streams[0].received)).toEqual(['hello']);
    release();
    await until(() => hub.streams[0].received.length === 2);
    expect(hub.streams[0].received[1].kind).toEqual({ $case: 'targetSetAck', value: { revision: '3', checksum: 'f00d' } });
    expect(taken[0]).toEqual(targetSet);
  });

  it('takes a delta as the whole TargetSet it builds on the one held, and announces that it takes them', async () => {
    hub = new FakeHub();
    await hub.start();
    const api = sourceTarget('api', 'b');
    const held = heldWeb();
    const delta: TargetSet = {
      revision: '5',
      checksum: targetSetChecksumOf([api, ...held.targets]),
      targets: [api],
      baseChecksum: held.checksum,
      keptBundles: ['web'],
    };
    hub.onConnect = (call) => call.write({ kind: { $case: 'targetSet', value: delta } });
    const taken: TargetSet[] = [];
    startLink({ heldTargetSet: () => held, takeTargetSet: async (ts) => void taken.push(ts) });
    await until(() => hub.streams[0]?.received.length === 2);
    const hello = hub.streams[0].received[0].kind;
    expect(hello?.$case === 'hello' && hello.value.capabilities).toContain(TARGET_SET_DELTAS_CAPABILITY);
    expect(taken).toEqual([
      { revision: '5', checksum: delta.checksum, targets: [api, held.targets[0]], baseChecksum: '', keptBundles: [] },
    ]);
    expect(hub.streams[0].received[1].kind).toEqual({ $case: 'targetSetAck', value: { revision: '5', checksum: delta.checksum } });
  });

  it('takes nothing from a delta that does not build on the TargetSet held, and asks for the whole one on a new stream', async () => {
    hub = new FakeHub();
    await hub.start();
    const held = heldWeb();
    const whole: TargetSet = { ...held, revision: '6' };
    // On the first stream a delta on something else; on the next (Hello: what is held) the whole TargetSet.
    hub.onConnect = (call, index) =>
      call.write({
        kind: {
          $case: 'targetSet',
          value: index === 0 ? { ...whole, targets: [], baseChecksum: 'f'.repeat(64), keptBundles: ['web'] } : whole,
        },
      });
    const taken: TargetSet[] = [];
    const logs = capturingLogger();
    link = new FleetLink({
      client: (client = createFleetClient(hub.address)),
      heartbeatIntervalMs: 10_000,
      handler: { heldTargetSet: () => held, takeTargetSet: async (ts) => void taken.push(ts) },
      logger: logs.logger,
      backoff: { baseMs: 20, factor: 2, capMs: 2000, resetAfterMs: 30_000 },
      random: () => 0.999,
    });
    link.start({ clusterId: 'c-123', credential: 'c-123.s3cret' });
    await until(() => taken.length === 1);
    expect(taken[0]).toEqual(whole);
    expect(kinds(hub.streams[0].received)).toEqual(['hello']);
    const hello = hub.streams[1].received[0].kind;
    expect(hello?.$case === 'hello' && hello.value.targetSetChecksum).toBe(held.checksum);
    const warning = logs
      .text()
      .split('\n')
      .filter((line) => line.includes('a TargetSet delta does not apply'))
      .map((line) => JSON.parse(line) as { msg: string; reason: string });
    expect(warning).toEqual([
      expect.objectContaining({
        msg: 'a TargetSet delta does not apply to the TargetSet held; asking for the whole one on a new stream',
        reason: `a delta on ffffffffffff came, and the TargetSet held is ${held.checksum.slice(0, 12)}`,
      }),
    ]);
  });

  it('re-sends unacknowledged reports in order after the stream drops, and forgets acked ones', async () => {
    hub = new FakeHub();
    await hub.start();
    const agent = startLink();
    await until(() => hub.streams.length === 1);
    agent.send(report('101'));
    agent.send(report('102'));
    agent.send(report('103'));
    await until(() => hub.streams[0].received.length === 4);
    hub.streams[0].call.write({ kind: { $case: 'statusAck', value: { seq: '101', moreSeqs: [] } } });
    await until(() => agent.unacknowledged().length === 2);
    hub.streams[0].call.emit('error', { code: status.UNAVAILABLE, details: 'hub replica shutting down' });

    await until(() => hub.streams[1]?.received.length === 3);
    expect(kinds(hub.streams[1].received)).toEqual(['hello', 'report:102', 'report:103']);
    const hello = hub.streams[1].received[0].kind;
    expect(hello?.$case === 'hello' && hello.value.lastAckedSeq).toBe('101');

    hub.streams[1].call.write({ kind: { $case: 'statusAck', value: { seq: '102', moreSeqs: [] } } });
    hub.streams[1].call.write({ kind: { $case: 'statusAck', value: { seq: '103', moreSeqs: [] } } });
    await until(() => agent.unacknowledged().length === 0);
  });

  it('announces that it takes several acks in one StatusAck, and forgets every report one acks', async () => {
    hub = new FakeHub();
    await hub.start();
    const agent = startLink();
    await until(() => hub.streams.length === 1);
    for (const seq of ['201', '202', '203', '204']) agent.send(report(seq));
    await until(() => hub.streams[0].received.length === 5);
    const hello = hub.streams[0].received[0].kind;
    expect(hello?.$case === 'hello' && hello.value.capabilities).toContain(STATUS_ACKS_CAPABILITY);

    hub.streams[0].call.write({ kind: { $case: 'statusAck', value: { seq: '201', moreSeqs: ['202', '204'] } } });
    await until(() => agent.unacknowledged().length === 1);
    expect(agent.unacknowledged().map((r) => r.seq)).toEqual(['203']);
  });

  it('sends reports produced before it started right after its Hello', async () => {
    hub = new FakeHub();
    await hub.start();
    client = createFleetClient(hub.address);
    link = new FleetLink({
      client,
      heartbeatIntervalMs: 10_000,
      handler: { heldTargetSet: () => undefined, takeTargetSet: async () => {} },
      logger: silent,
    });
    link.send(report('7'));
    link.send(report('8'));
    link.start({ clusterId: 'c-123', credential: 'c-123.s3cret' });
    await until(() => hub.streams[0]?.received.length === 3);
    expect(kinds(hub.streams[0].received)).toEqual(['hello', 'report:7', 'report:8']);
  });

  it('backs off between refused attempts instead of spinning', async () => {
    hub = new FakeHub();
    await hub.start();
    hub.onConnect = (call) => call.emit('error', { code: status.UNAUTHENTICATED, details: 'unknown credential' });
    startLink({}, { baseMs: 40 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const times = hub.streams.map((s) => s.openedAt);
    // Waits of ~39, 79, 159, 319, 639 ms: five or six attempts in a second, not hundreds.
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(6);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    for (let i = 1; i < gaps.length; i++) {
      expect(gaps[i]).toBeGreaterThan(gaps[i - 1] * 1.4);
    }
  });

  it('sends heartbeats and reconnects when the hub goes silent for three intervals', async () => {
    hub = new FakeHub();
    await hub.start();
    startLink({}, { heartbeatIntervalMs: 100 });
    await until(() => hub.streams.length === 2, 3000);
    const first = hub.streams[0];
    expect(kinds(first.received).filter((k) => k === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    expect(hub.streams[1].openedAt - first.openedAt).toBeGreaterThanOrEqual(300);
  });

  it('skips the heartbeat while its stream carries other messages, and sends it again once they stop', async () => {
    hub = new FakeHub();
    await hub.start();
    hub.onConnect = heartbeatsEvery(50);
    const current = startLink({}, { heartbeatIntervalMs: 400 });
    await until(() => hub.streams[0]?.received.length === 1);
    const received = hub.streams[0].received;
    // A report every 80 ms for 2.4 s: each heartbeat tick finds the stream written to within half
    // an interval (200 ms) unless a timer of this loop was late by more than 120 ms.
    for (let seq = 1; seq <= 30; seq++) {
      current.send(report(String(seq)));
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
    const whileBusy = kinds(received).filter((k) => k === 'heartbeat').length;
    // Without the skip, six ticks would each have sent one.
    expect(whileBusy).toBeLessThanOrEqual(1);
    await until(() => kinds(received).filter((k) => k === 'heartbeat').length > whileBusy, 2000);
    expect(hub.streams.length).toBe(1);
  });

  it('keeps a live stream open while the hub sends heartbeats', async () => {
    hub = new FakeHub();
    await hub.start();
    hub.onConnect = heartbeatsEvery(50);
    startLink({}, { heartbeatIntervalMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(hub.streams.length).toBe(1);
  });

  it("drops a report the hub refuses for good and says so; sends a rate-limited one again after the hub's delay", async () => {
    hub = new FakeHub();
    await hub.start();
    const refused: [string, string][] = [];
    const current = startLink({ reportRefused: (r, detail) => refused.push([r.seq, detail]) });
    await until(() => hub.streams[0]?.received.length === 1);
    const call = hub.streams[0].call;
    current.send(report('101'));
    current.send(report('102'));
    await until(() => hub.allReceived().filter((m) => m.kind?.$case === 'statusReport').length === 2);
    call.write({
      kind: {
        $case: 'statusReject',
        value: { seq: '101', reason: RejectReason.REJECT_REASON_INVALID, detail: 'drift_count out of range', retryAfterMs: 0 },
      },
    });
    call.write({
      kind: {
        $case: 'statusReject',
        value: { seq: '102', reason: RejectReason.REJECT_REASON_RATE_LIMITED, detail: 'slow down', retryAfterMs: 150 },
      },
    });
    await until(() => refused.length === 1);
    expect(refused).toEqual([['101', 'drift_count out of range']]);
    expect(current.unacknowledged().map((r) => r.seq)).toEqual(['102']);
    await until(() => kinds(hub.allReceived()).filter((k) => k === 'report:102').length === 2, 3_000);
  });

  it('honours a RESOURCE_EXHAUSTED retry hint: reconnects no sooner than the hint, then goes on', async () => {
    hub = new FakeHub();
    hub.onConnect = (call, index) => {
      if (index > 0) return;
      const metadata = new Metadata();
      metadata.set('retry-after-ms', '300');
      call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: 'busy', metadata });
    };
    await hub.start();
    startLink({}, { baseMs: 5 });
    await until(() => hub.streams.length === 2 && hub.streams[1].received.length > 0, 5_000);
    const waited = hub.streams[1].openedAt - hub.streams[0].openedAt;
    // random() is 0.999: the hint plus almost the hint again; the backoff alone would have been < 5 ms.
    expect(waited).toBeGreaterThanOrEqual(550);
    expect(hub.streams[1].received[0].kind?.$case).toBe('hello');
  });
});

describe('credentialRejection', () => {
  const withTrailer = (name: string, details = 'words for people, which may change') => {
    const metadata = new Metadata();
    metadata.set(CREDENTIAL_REJECTION_TRAILER, name);
    return { details, metadata };
  };

  it('acts on the typed rejection in the trailer, whatever the details say', () => {
    expect(credentialRejection(withTrailer('CREDENTIAL_REJECTION_REVOKED'))).toBe('revoked');
    expect(credentialRejection(withTrailer('CREDENTIAL_REJECTION_ROTATED'))).toBe('rotated');
    expect(credentialRejection(withTrailer('CREDENTIAL_REJECTION_UNKNOWN_CLUSTER'))).toBe('unknown');
  });

  it('does not act on a rejection it does not know, even with details that look like one', () => {
    expect(credentialRejection(withTrailer('CREDENTIAL_REJECTION_FROM_THE_FUTURE', 'revoked: …'))).toBeUndefined();
  });

  it('reads the details of hubs that predate the trailer', () => {
    expect(credentialRejection({ details: 'revoked: this cluster was revoked on the hub' })).toBe('revoked');
    expect(credentialRejection({ details: 'credential rotated: register again' })).toBe('rotated');
    expect(credentialRejection({ details: 'unknown cluster', metadata: new Metadata() })).toBe('unknown');
    expect(credentialRejection({ details: 'invalid credential' })).toBeUndefined();
  });
});
