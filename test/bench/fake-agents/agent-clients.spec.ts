/**
 * The fake agents' two clients against a real grpc-js server (the agent's FakeHub): what the
 * scale benchmark's figures rest on is that the node:http2 one speaks gRPC as grpc-js does —
 * messages both ways and in order, one split over many frames, statuses in trailers and in a
 * trailers-only refusal with its retry hint, and a connection that is not there.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metadata, status } from '@grpc/grpc-js';
import { FleetService, HealthStatus, HubMessage, ReportReason, SyncPhase, type TargetSet } from '#proto';
import { RETRY_AFTER_METADATA } from '#core';
import { FakeHub, until, type RegisterAnswer } from '../../../agent/src/testing/fake-hub';
import { agentClientKind, newAgentClient, type AgentClient, type AgentClientKind, type CallEnd } from './agent-clients';
import { H2Connection, type CallStatus } from './h2-grpc';

const KINDS: AgentClientKind[] = ['h2', 'grpc-js'];

function targetSet(bytes: number): TargetSet {
  return {
    revision: '7',
    checksum: 'c'.repeat(64),
    targets: [
      {
        bundle: 'app',
        source: { repoUrl: 'https://git.example/app.git', commit: 'a'.repeat(40), path: 'deploy' },
        defaultNamespace: 'app',
        syncPolicy: undefined,
        values: { filler: 'x'.repeat(bytes) },
        render: undefined,
        dependsOn: [],
        suspend: false,
        artifact: undefined,
        policy: undefined,
      },
    ],
    baseChecksum: '',
    keptBundles: [],
  };
}

describe.each(KINDS)('the fake agents’ %s client against grpc-js', (kind) => {
  let hub: FakeHub;
  let client: AgentClient;

  beforeEach(async () => {
    hub = new FakeHub();
    await hub.start();
    client = newAgentClient(kind, hub.address);
  });

  afterEach(() => {
    client.close();
    hub.stop();
  });

  it('registers, and is refused with the hub’s status and details', async () => {
    hub.onRegister = (request): RegisterAnswer | { code: status; details: string } =>
      request.name === 'good'
        ? { clusterId: 'c-1', credential: 'secret', clusterName: 'good' }
        : { code: status.PERMISSION_DENIED, details: 'unknown token' };
    const request = { bootstrapToken: 't', clusterUid: 'u', labels: { env: 'test' }, agentVersion: 'fake', csr: '' };
    await expect(client.register({ ...request, name: 'good' })).resolves.toMatchObject({ clusterId: 'c-1', credential: 'secret' });
    await expect(client.register({ ...request, name: 'bad' })).rejects.toThrow(/unknown token/);
    expect(hub.registrations.map((r) => [r.name, r.labels])).toEqual([
      ['good', { env: 'test' }],
      ['bad', { env: 'test' }],
    ]);
  });

  it('carries messages both ways in order, a large one whole, and ends with the hub’s status', async () => {
    const big = targetSet(300_000);
    hub.onConnect = (call) => {
      call.write({ kind: { $case: 'targetSet', value: big } });
      call.write({ kind: { $case: 'statusAck', value: { seq: '1', moreSeqs: [] } } });
      call.on('data', () => {
        if (hub.allReceived().length === 3) call.end();
      });
    };
    const received: HubMessage[] = [];
    let ended: CallEnd | undefined;
    const call = client.connect(
      'cred-1',
      (message) => received.push(message),
      (end) => (ended = end),
    );
    call.write({
      kind: {
        $case: 'hello',
        value: { clusterId: 'c-1', agentVersion: 'fake', capabilities: [], targetSetChecksum: '', lastAckedSeq: '' },
      },
    });
    call.write({ kind: { $case: 'targetSetAck', value: { revision: '7', checksum: big.checksum } } });
    call.write({ kind: { $case: 'statusReport', value: report('2') } });
    await until(() => ended !== undefined);

    expect(ended).toMatchObject({ code: status.OK });
    expect(received.map((m) => m.kind?.$case)).toEqual(['targetSet', 'statusAck']);
    expect(received[0].kind?.$case === 'targetSet' && received[0].kind.value.targets[0].values).toEqual(big.targets[0].values);
    expect(hub.streams[0].metadata.get('authorization')).toEqual(['Bearer cred-1']);
    expect(hub.allReceived().map((m) => m.kind?.$case)).toEqual(['hello', 'targetSetAck', 'statusReport']);
    const sent = hub.allReceived()[2].kind;
    expect(sent?.$case === 'statusReport' && sent.value).toMatchObject({ seq: '2', bundle: 'app', phase: SyncPhase.SYNC_PHASE_SYNCED });
    expect(call.open).toBe(false);
  });

  it('hears a refusal before any message, with its retry hint', async () => {
    hub.onConnect = (call) => {
      const metadata = new Metadata();
      metadata.set(RETRY_AFTER_METADATA, '1500');
      call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: 'the hub is busy; retry', metadata });
    };
    expect(await endOf(client)).toEqual({ code: status.RESOURCE_EXHAUSTED, details: 'the hub is busy; retry', retryAfter: '1500' });
  });

  it('ends UNAVAILABLE where nothing listens, and CANCELLED when it cancels', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const nowhere = newAgentClient(kind, `127.0.0.1:${closedPort}`);
    expect((await endOf(nowhere)).code).toBe(status.UNAVAILABLE);
    nowhere.close();

    hub.onConnect = (call) => call.write({ kind: { $case: 'heartbeat', value: { sentAt: new Date().toISOString() } } });
    let cancelled: CallEnd | undefined;
    let heard = 0;
    const call = client.connect(
      'cred-1',
      () => heard++,
      (end) => (cancelled = end),
    );
    await until(() => heard === 1);
    call.cancel();
    await until(() => cancelled !== undefined);
    expect(cancelled?.code).toBe(status.CANCELLED);
    expect(call.open).toBe(false);
  });
});

describe('the node:http2 client', () => {
  it('refuses a message over its limit from the prefix, and ends the call', async () => {
    const hub = new FakeHub();
    await hub.start();
    const connection = new H2Connection(hub.address, 1_000);
    try {
      hub.onConnect = (call) => {
        call.write({ kind: { $case: 'statusAck', value: { seq: '1', moreSeqs: [] } } });
        call.write({ kind: { $case: 'targetSet', value: targetSet(300_000) } });
      };
      const received: string[] = [];
      const call = connection.call(FleetService.connect.path, { authorization: 'Bearer c' });
      call.on('message', (bytes) => received.push(HubMessage.decode(bytes).kind?.$case ?? ''));
      const end = await new Promise<CallStatus>((resolve) => call.on('status', resolve));
      expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(end.details).toMatch(/^a message of \d+ bytes, over the limit of 1000$/);
      expect(received).toEqual(['statusAck']);
      expect(call.open).toBe(false);
    } finally {
      connection.close();
      hub.stop();
    }
  });
});

/** Connects and resolves with how the call ended. */
function endOf(client: AgentClient): Promise<CallEnd> {
  return new Promise((resolve) => client.connect('cred-1', () => undefined, resolve));
}

describe('BENCH_AGENT_CLIENT', () => {
  it('is h2 unless it says grpc-js, and nothing else', () => {
    expect(agentClientKind(undefined)).toBe('h2');
    expect(agentClientKind('')).toBe('h2');
    expect(agentClientKind('grpc-js')).toBe('grpc-js');
    expect(() => agentClientKind('grpc')).toThrow(/h2 or grpc-js, not grpc/);
  });
});

function report(seq: string) {
  return {
    seq,
    bundle: 'app',
    commit: 'a'.repeat(40),
    phase: SyncPhase.SYNC_PHASE_SYNCED,
    message: '',
    resources: [],
    observedAt: new Date().toISOString(),
    targetSetRevision: '7',
    health: HealthStatus.HEALTH_STATUS_HEALTHY,
    summary: { created: 0, configured: 0, unchanged: 1, deleted: 0, skipped: 0, failed: 0 },
    driftCount: 0,
    resourcesTruncated: false,
    syncStartedAt: new Date().toISOString(),
    reason: ReportReason.REPORT_REASON_SYNC,
  };
}
