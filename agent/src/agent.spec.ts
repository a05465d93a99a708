import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResourceAction, SyncPhase, Target, type AgentMessage, type StatusReport, type TargetSet } from '#proto';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { BareRepo } from '../../test/support/git';
import { startAgent, type RunningAgent } from './agent';
import { loadKubeConfig } from './kube/object-client';
import { FakeHub, until, type HubCall } from './testing/fake-hub';
import { capturingLogger } from './testing/log-capture';

const BOOTSTRAP = 'bootstrap-token-for-agent-spec';
const CREDENTIAL = 'c-7.agent-spec-secret';

let cluster: SimCluster;
let repo: BareRepo;
let hub: FakeHub;
let workDir: string;
let agent: RunningAgent | undefined;

function reports(): StatusReport[] {
  return hub.allReceived().flatMap((m: AgentMessage) => (m.kind?.$case === 'statusReport' ? [m.kind.value] : []));
}

/** A minimal hub: answers Hello with `targetSet` when checksums differ, acks every report. */
function serve(targetSet: () => TargetSet): void {
  hub.onConnect = (call: HubCall) => {
    call.on('data', (message: AgentMessage) => {
      const kind = message.kind;
      if (kind?.$case === 'hello' && kind.value.targetSetChecksum !== targetSet().checksum) {
        call.write({ kind: { $case: 'targetSet', value: targetSet() } });
      }
      if (kind?.$case === 'statusReport') call.write({ kind: { $case: 'statusAck', value: { seq: kind.value.seq, moreSeqs: [] } } });
    });
  };
}

beforeEach(async () => {
  cluster = await startSimCluster({ name: 'agent-spec' });
  repo = await BareRepo.create();
  hub = new FakeHub();
  await hub.start();
  workDir = await mkdtemp(join(tmpdir(), 'gitfleet-agent-spec-'));
  hub.onRegister = () => ({ clusterId: 'c-7', clusterName: 'alpha', credential: CREDENTIAL });
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  hub.stop();
  await cluster.stop();
  await repo.remove();
  await rm(workDir, { recursive: true, force: true });
});

describe('startAgent', () => {
  it('registers, connects, applies its TargetSet and reports the result until acked', async () => {
    const commit = await repo.commit({
      'apps/web/all.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n',
    });
    const targetSet: TargetSet = {
      revision: '1',
      checksum: 'abc',
      targets: [Target.fromPartial({ bundle: 'web', source: { repoUrl: repo.url, commit, path: 'apps/web' }, defaultNamespace: 'web' })],
      baseChecksum: '',
      keptBundles: [],
    };
    serve(() => targetSet);
    const logs = capturingLogger();

    agent = await startAgent(
      {
        hubAddress: hub.address,
        bootstrapToken: BOOTSTRAP,
        clusterName: 'alpha',
        clusterLabels: { env: 'prod' },
        kubeconfig: cluster.kubeconfig,
        cacheDir: workDir,
        heartbeatIntervalMs: 1000,
      },
      { logger: logs.logger },
    );
    expect(await agent.clusterId).toBe('c-7');
    await until(() => reports().some((r) => r.phase === SyncPhase.SYNC_PHASE_SYNCED));

    const stream = hub.streams[0];
    expect(stream.metadata.get('authorization')).toEqual([`Bearer ${CREDENTIAL}`]);
    expect(stream.received[0].kind).toMatchObject({ $case: 'hello', value: { clusterId: 'c-7', targetSetChecksum: '' } });
    expect(stream.received[1].kind).toEqual({ $case: 'targetSetAck', value: { revision: '1', checksum: 'abc' } });

    const [progressing, synced] = reports();
    expect(progressing).toMatchObject({ bundle: 'web', commit, phase: SyncPhase.SYNC_PHASE_PROGRESSING, targetSetRevision: '1' });
    expect(synced).toMatchObject({ bundle: 'web', commit, phase: SyncPhase.SYNC_PHASE_SYNCED, message: '' });
    expect(BigInt(synced.seq)).toBe(BigInt(progressing.seq) + 1n);
    expect(synced.resources.map((r) => [r.ref!.kind, r.ref!.namespace, r.ref!.name, r.action])).toEqual([
      ['Namespace', '', 'web', ResourceAction.RESOURCE_ACTION_CREATED],
      ['ConfigMap', 'web', 'web-config', ResourceAction.RESOURCE_ACTION_CREATED],
    ]);

    const core = loadKubeConfig(cluster.kubeconfig).makeApiClient(CoreV1Api);
    const config = await core.readNamespacedConfigMap({ name: 'web-config', namespace: 'web' });
    expect(config.data).toEqual({ greeting: 'hello' });
    const secret = await core.readNamespacedSecret({ name: 'gitfleet-agent', namespace: 'gitfleet-system' });
    expect(Buffer.from(secret.data!.credential, 'base64').toString()).toBe(CREDENTIAL);

    expect(logs.text()).not.toContain(CREDENTIAL);
    expect(logs.text()).not.toContain(BOOTSTRAP);
  });

  it('after a dropped stream says Hello with the checksum it holds and is not sent the TargetSet again', async () => {
    const commit = await repo.commit({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' });
    const targetSet: TargetSet = {
      revision: '4',
      checksum: 'held-sum',
      targets: [
        Target.fromPartial({ bundle: 'web', source: { repoUrl: repo.url, commit, path: 'apps/web' }, defaultNamespace: 'default' }),
      ],
      baseChecksum: '',
      keptBundles: [],
    };
    serve(() => targetSet);
    agent = await startAgent({
      hubAddress: hub.address,
      bootstrapToken: BOOTSTRAP,
      clusterName: 'alpha',
      kubeconfig: cluster.kubeconfig,
      cacheDir: workDir,
      logLevel: 'silent',
    });
    await until(() => reports().some((r) => r.phase === SyncPhase.SYNC_PHASE_SYNCED));
    hub.streams[0].call.emit('error', { code: status.UNAVAILABLE, details: 'replica restarting' });

    await until(() => (hub.streams[1]?.received.length ?? 0) >= 1, 15_000);
    expect(hub.streams[1].received[0].kind).toMatchObject({ $case: 'hello', value: { clusterId: 'c-7', targetSetChecksum: 'held-sum' } });
    expect(hub.registrations).toHaveLength(1);
  });

  it('after a restart with no hub reachable, goes on reconciling from the TargetSet stored in the cluster', async () => {
    const commit = await repo.commit({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n  a: "1"\n' });
    const targetSet: TargetSet = {
      revision: '3',
      checksum: 'stored-sum',
      targets: [
        Target.fromPartial({
          bundle: 'web',
          source: { repoUrl: repo.url, commit, path: 'apps/web' },
          defaultNamespace: 'default',
          syncPolicy: { selfHeal: true },
        }),
      ],
      baseChecksum: '',
      keptBundles: [],
    };
    serve(() => targetSet);
    agent = await startAgent({
      hubAddress: hub.address,
      bootstrapToken: BOOTSTRAP,
      clusterName: 'alpha',
      kubeconfig: cluster.kubeconfig,
      cacheDir: workDir,
      logLevel: 'silent',
    });
    await until(() => reports().some((r) => r.phase === SyncPhase.SYNC_PHASE_SYNCED));
    await agent.stop();
    hub.stop();

    const core = loadKubeConfig(cluster.kubeconfig).makeApiClient(CoreV1Api);
    await core.deleteNamespacedConfigMap({ name: 'kept', namespace: 'default' });
    // The hub is gone for good: nothing listens at its address any more.
    agent = await startAgent({
      hubAddress: hub.address,
      clusterName: 'alpha',
      kubeconfig: cluster.kubeconfig,
      cacheDir: workDir,
      logLevel: 'silent',
    });
    await until(
      async () => (await core.readNamespacedConfigMap({ name: 'kept', namespace: 'default' }).catch(() => undefined)) !== undefined,
      15_000,
    );
    const stored = await core.readNamespacedSecret({ name: 'gitfleet-targetset', namespace: 'gitfleet-system' });
    expect(stored.metadata?.annotations?.['gitfleet.io/targetset-checksum']).toBe('stored-sum');
  });

  it('stops cleanly before it has registered', async () => {
    hub.onRegister = () => ({ code: status.UNAVAILABLE, details: 'not yet' });
    agent = await startAgent({
      hubAddress: hub.address,
      bootstrapToken: BOOTSTRAP,
      clusterName: 'alpha',
      kubeconfig: cluster.kubeconfig,
      cacheDir: workDir,
      logLevel: 'silent',
    });
    await until(() => hub.registrations.length >= 1);
    await agent.stop();
    await expect(agent.clusterId).rejects.toThrow('agent stopped');
    agent = undefined;
  });
});
