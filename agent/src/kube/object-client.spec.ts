import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { createSelfSignedCertificate, startSimCluster, type SimCluster } from '#kube-sim';
import { parse as parseYaml, stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeFailure } from './api-error';
import { loadKubeConfig, ObjectClient } from './object-client';

/**
 * The engine's short request path (apply, dry-run, read, delete, list) against the simulator
 * over real HTTP, through a TCP relay that counts connections or swallows requests.
 */
let cluster: SimCluster;
let relay: { server: Server; port: number; connections: number; blackHole: boolean; sockets: Set<Socket> };

beforeEach(async () => {
  cluster = await startSimCluster({ name: 'object-client' });
  const target = new URL(cluster.url); // the same port serves http and https
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    relay.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (relay.blackHole) return; // accepts, reads, never answers
    const up = connect(Number(target.port), target.hostname);
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    socket.pipe(up).pipe(socket);
    socket.on('error', () => up.destroy());
    up.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay = { server, port: (server.address() as { port: number }).port, connections: 0, blackHole: false, sockets };
});

afterEach(async () => {
  for (const socket of relay.sockets) socket.destroy();
  await new Promise((resolve) => relay.server.close(resolve));
  await cluster.stop();
});

function clientThroughRelay(options: { requestTimeoutMs?: number } = {}): ObjectClient {
  const kubeconfig = cluster.kubeconfig.replace(/server: (https?):\/\/127\.0\.0\.1:\d+/, `server: $1://127.0.0.1:${relay.port}`);
  expect(kubeconfig).toContain(`127.0.0.1:${relay.port}`);
  return ObjectClient.fromKubeConfig(loadKubeConfig(kubeconfig), options);
}

const configMap = (name: string, data: Record<string, string> = { key: 'v' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { app: 'object-client' } },
  data,
});

describe('ObjectClient requests', () => {
  it('apply answers 201 on create and 200 after; a dry-run stores nothing', async () => {
    const client = clientThroughRelay();
    const dry = await client.apply(configMap('dry'), { dryRun: true });
    expect(dry.object.metadata?.name).toBe('dry');
    expect(await client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'dry' })).toBeUndefined();

    expect((await client.apply(configMap('a'))).httpStatus).toBe(201);
    const again = await client.apply(configMap('a', { key: 'w' }));
    expect(again.httpStatus).toBe(200);
    expect((again.object as unknown as { data: Record<string, string> }).data).toEqual({ key: 'w' });
    expect(again.object.metadata?.managedFields?.map((f) => f.manager)).toEqual(['gitfleet']);
    client.close();
  });

  it('list by label selector, read, and delete (false once gone)', async () => {
    const client = clientThroughRelay();
    await client.apply(configMap('one'));
    await client.apply({ ...configMap('other'), metadata: { name: 'other', namespace: 'default' } });
    const list = await client.listAll('v1', 'ConfigMap', 'app=object-client');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['one']);
    expect(Number(list.resourceVersion)).toBeGreaterThan(0);
    expect(await client.deleteInBackground({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' })).toBe(true);
    expect(await client.deleteInBackground({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' })).toBe(false);
    expect(await client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' })).toBeUndefined();
    client.close();
  });

  it('a refused object is an ApiException with the API Status; the manifest (a Secret value) is never in the error', async () => {
    const client = clientThroughRelay();
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'Bad_Name', namespace: 'default' },
      stringData: { password: 'hunter2-do-not-print' },
    };
    const error = await client.apply(secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(422);
    const described = describeFailure({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'Bad_Name' }, 'apply', error);
    expect(described).toMatch(/^Secret\/default\/Bad_Name apply failed \(Invalid\): Secret "Bad_Name" is invalid/);
    expect(`${described} ${(error as Error).message}`).not.toContain('hunter2');
    client.close();
  });

  it('requests share a pool of keep-alive connections', async () => {
    const client = clientThroughRelay();
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.apply(configMap(`c-${i}`), { dryRun: true })));
    const afterBurst = relay.connections;
    expect(afterBurst).toBeGreaterThan(0);
    // The pool's maxSockets (32), not one per request; plus one for discovery, asked once for
    // the whole burst.
    expect(afterBurst).toBeLessThanOrEqual(33);
    for (let i = 0; i < 20; i++) await client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: `c-${i}` });
    expect(relay.connections).toBe(afterBurst);
    client.close();
  });

  it('an API server that never answers fails the request after the timeout, naming the request', async () => {
    const client = clientThroughRelay({ requestTimeoutMs: 300 });
    await client.listAll('v1', 'ConfigMap', ''); // discovery is cached from here on
    client.close();
    relay.blackHole = true;
    const error = await client.listAll('v1', 'ConfigMap', '').catch((e: unknown) => e);
    expect((error as Error).message).toBe('GET /api/v1/configmaps: no answer from the API server within 300 ms');
    client.close();
  });

  it('a rotated client certificate is used from the next request on, over new connections', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'object-client-'));
    try {
      const writeIdentity = async (name: string) => {
        const identity = createSelfSignedCertificate(name);
        await writeFile(join(dir, 'client.crt'), identity.cert);
        await writeFile(join(dir, 'client.key'), identity.key, { mode: 0o600 });
      };
      await writeIdentity('first');
      // The simulator authenticates the token; the certificate files stand for a client
      // identity that a real cluster (or cert-manager) rotates on disk.
      const config = parseYaml(
        cluster.kubeconfig.replace(/server: (https?):\/\/127\.0\.0\.1:\d+/, `server: $1://127.0.0.1:${relay.port}`),
      ) as {
        users: { user: Record<string, string> }[];
      };
      Object.assign(config.users[0].user, { 'client-certificate': join(dir, 'client.crt'), 'client-key': join(dir, 'client.key') });
      const client = ObjectClient.fromKubeConfig(loadKubeConfig(stringify(config)));
      const read = () => client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'x' });
      await read();
      await read();
      const before = relay.connections;
      await writeIdentity('second');
      await read();
      expect(relay.connections).toBe(before + 1); // a new pool with the new certificate
      await read();
      expect(relay.connections).toBe(before + 1); // and it is kept
      client.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
