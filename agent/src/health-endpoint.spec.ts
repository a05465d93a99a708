import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentMessage, TargetSet } from '#proto';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { startAgent, type RunningAgent } from './agent';
import { loadKubeConfig } from './kube/object-client';
import { startHealthEndpoint, type HealthEndpoint, type Readiness } from './health-endpoint';
import { CredentialSecret } from './registration/credential-secret';
import { FakeHub, until } from './testing/fake-hub';
import { capturingLogger } from './testing/log-capture';

async function probe(url: string, method = 'GET'): Promise<{ status: number; body: Record<string, string> | string }> {
  const res = await fetch(url, { method });
  const text = await res.text();
  return { status: res.status, body: text === '' ? '' : (JSON.parse(text) as Record<string, string>) };
}

describe('the health endpoint', () => {
  let endpoint: HealthEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });

  it('answers liveness always, and readiness with the reason it is given', async () => {
    let readiness: Readiness = { ready: false, reason: 'not registered: no credential yet' };
    endpoint = await startHealthEndpoint({ host: '127.0.0.1', port: 0, readiness: () => readiness });
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await probe(`${endpoint.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await probe(`${endpoint.url}/readyz`)).toEqual({
      status: 503,
      body: { status: 'not ready', reason: 'not registered: no credential yet' },
    });
    readiness = { ready: true, reason: 'connected to the hub' };
    expect(await probe(`${endpoint.url}/readyz?verbose`)).toEqual({
      status: 200,
      body: { status: 'ready', reason: 'connected to the hub' },
    });
    expect((await probe(`${endpoint.url}/readyz`, 'HEAD')).status).toBe(200);
    expect((await probe(`${endpoint.url}/metrics`)).status).toBe(404);
    expect((await probe(`${endpoint.url}/healthz`, 'POST')).status).toBe(405);
  });

  it('fails to start with a message naming the address when the port is taken', async () => {
    endpoint = await startHealthEndpoint({ host: '127.0.0.1', port: 0, readiness: () => ({ ready: true, reason: '' }) });
    const port = Number(new URL(endpoint.url).port);
    await expect(startHealthEndpoint({ host: '127.0.0.1', port, readiness: () => ({ ready: true, reason: '' }) })).rejects.toThrow(
      `health endpoint cannot listen on 127.0.0.1:${port}: EADDRINUSE`,
    );
  });
});

describe('the agent behind its health endpoint', () => {
  let cluster: SimCluster;
  let hub: FakeHub;
  let workDir: string;
  let agent: RunningAgent | undefined;

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    hub.stop();
    await cluster.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('is not ready without a credential, ready once connected, and still ready holding a TargetSet while the hub is away', async () => {
    cluster = await startSimCluster({ name: 'health-spec' });
    hub = new FakeHub();
    await hub.start();
    workDir = await mkdtemp(join(tmpdir(), 'gitfleet-health-spec-'));
    const targetSet: TargetSet = { revision: '1', checksum: 'empty', targets: [], baseChecksum: '', keptBundles: [] };
    hub.onConnect = (call) =>
      call.on('data', (message: AgentMessage) => {
        if (message.kind?.$case === 'hello') call.write({ kind: { $case: 'targetSet', value: targetSet } });
      });

    agent = await startAgent(
      {
        hubAddress: hub.address,
        clusterName: 'alpha',
        kubeconfig: cluster.kubeconfig,
        cacheDir: workDir,
        heartbeatIntervalMs: 200,
        health: { host: '127.0.0.1', port: 0 },
      },
      { logger: capturingLogger().logger },
    );
    const url = agent.healthUrl!;
    expect((await probe(`${url}/healthz`)).status).toBe(200);
    // No bootstrap token and no stored credential: it waits, and says why it is not ready.
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 503,
      body: { status: 'not ready', reason: 'not registered: no credential yet' },
    });

    await new CredentialSecret(loadKubeConfig(cluster.kubeconfig).makeApiClient(CoreV1Api), 'gitfleet-system').write('c-9.health-spec');
    await until(async () => (await probe(`${url}/readyz`)).status === 200);
    expect((await probe(`${url}/readyz`)).body).toEqual({ status: 'ready', reason: 'connected to the hub' });
    await until(() => hub.streams[0].received.some((m) => m.kind?.$case === 'targetSetAck'));

    hub.stop();
    await until(async () => ((await probe(`${url}/readyz`)).body as Record<string, string>).reason !== 'connected to the hub');
    expect(await probe(`${url}/readyz`)).toEqual({
      status: 200,
      body: { status: 'ready', reason: 'holds a TargetSet; not connected to the hub' },
    });

    await agent.stop();
    agent = undefined;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('has no endpoint unless asked for one', async () => {
    cluster = await startSimCluster({ name: 'health-spec-off' });
    hub = new FakeHub();
    await hub.start();
    workDir = await mkdtemp(join(tmpdir(), 'gitfleet-health-spec-'));
    agent = await startAgent(
      { hubAddress: hub.address, clusterName: 'alpha', kubeconfig: cluster.kubeconfig, cacheDir: workDir },
      { logger: capturingLogger().logger },
    );
    expect(agent.healthUrl).toBeUndefined();
  });
});
