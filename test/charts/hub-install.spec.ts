/**
 * The hub chart installed for real: `helm install` into the real kube-apiserver (its objects
 * accepted, the controller manager making the pods — Pending, there is no kubelet — from the
 * chart's pod spec), then the hub process run out of cluster with the environment and Secret
 * files the chart gives its pod. A Helm-installed hub must answer its admin token (not 401
 * forever), take signed push webhooks, register agents with its bootstrap token, keep its
 * generated tokens across upgrades, and run as several replicas on an external PostgreSQL.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '#core';
import { startAgent, type RunningAgent } from '#agent';
import { loadHubConfig, startHub, type RunningHub } from '#hub';
import { createSelfSignedCertificate, startSimCluster, type SimCluster } from '#kube-sim';
import { eventually } from '../support/eventually';
import { capturingLogger, hubApi, type ClusterView } from '../support/fleet';
import { BareRepo } from '../support/git';
import { helmSkipReason } from '../support/helm';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';
import { realClusterSkipReason, sharedRealCluster, type RealCluster } from '../support/real-cluster';
import { createIfAbsent, exists, helm, podEnvironment } from './install';

const skip = helmSkipReason() ?? realClusterSkipReason();
const BASE = 'gitfleet-hub-install';
const FLEET = {
  'fleet/web.yaml':
    'apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata:\n  name: web\nspec:\n  source:\n    path: apps/web\n  namespace: default\n  targets:\n    - clusterSelector: {}\n',
  'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  greeting: hello\n',
};

interface Pod {
  metadata: { name: string };
  spec: { volumes?: { name: string }[]; containers: { securityContext: Record<string, unknown> }[] };
}

async function podsOf(cluster: RealCluster, namespace: string, release: string): Promise<Pod[]> {
  const list = (await cluster.request('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=app.kubernetes.io/instance=${release}`)) as {
    items: Pod[];
  };
  return list.items;
}

async function tokensOf(cluster: RealCluster, namespace: string, name: string): Promise<Record<string, string>> {
  const secret = (await cluster.request('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`)) as { data: Record<string, string> };
  return secret.data;
}

/**
 * Starts the hub as its pod would: the chart's environment, with only the addresses (loopback,
 * free ports) and the data directory (a scratch one, where the pod has its volume) changed.
 */
async function startHubFromPod(env: Record<string, string>, dataDir: string): Promise<RunningHub> {
  const podEnv = { ...env, HUB_DATA_DIR: dataDir, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', LOG_LEVEL: 'silent' };
  return startHub(loadHubConfig(podEnv));
}

describe.skipIf(skip !== undefined)(`the hub chart installed into a real API server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let cluster: RealCluster;
  let repo: BareRepo;
  let scratch: string;
  const hubs: RunningHub[] = [];
  let sim: SimCluster | undefined;
  let agent: RunningAgent | undefined;
  let db: ThrowawayDatabase | undefined;

  beforeAll(async () => {
    cluster = await sharedRealCluster();
  }, 150_000);

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    for (const hub of hubs.splice(0)) await hub.stop();
    await sim?.stop();
    sim = undefined;
    await db?.drop();
    db = undefined;
    await repo?.remove();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function registerAgent(hub: RunningHub, bootstrapToken: string, hubTls?: { caPem: string }): Promise<void> {
    sim = await startSimCluster({ name: 'chart-hub-agent' });
    agent = await startAgent(
      {
        hubAddress: hub.grpcAddress,
        bootstrapToken,
        clusterName: 'chart-hub-agent',
        kubeconfig: sim.kubeconfig,
        cacheDir: join(scratch, 'agent'),
        heartbeatIntervalMs: 1_000,
        ...(hubTls ? { hubTls } : {}),
      },
      { logger: capturingLogger().logger },
    );
    await agent.clusterId;
  }

  it('with the embedded database and generated tokens: answers its admin token, takes signed webhooks, registers agents; upgrades keep the tokens', async () => {
    const namespace = `${BASE}-embedded`;
    repo = await BareRepo.create();
    await repo.commit(FLEET, 'fleet');
    scratch = await mkdtemp(join(tmpdir(), 'gitfleet-hub-install-'));

    const printed = await helm(cluster, 'install', 'gitfleet-hub', 'gf-hub', namespace, { values: { fleet: { repoUrl: repo.url } } });
    expect(printed).toContain('STATUS: deployed');
    expect(printed).toContain("get secret gf-hub-tokens -o jsonpath='{.data.admin-token}'");
    const tokens = await tokensOf(cluster, namespace, 'gf-hub-tokens');
    expect(Object.keys(tokens).sort()).toEqual(['admin-token', 'bootstrap-token', 'webhook-secret']);
    expect(await exists(cluster, `/api/v1/namespaces/${namespace}/persistentvolumeclaims/gf-hub-data`)).toBe(true);

    // The controller manager makes the pod from the chart's template: the API server took its spec.
    const [pod] = await eventually(async () => {
      const pods = await podsOf(cluster, namespace, 'gf-hub');
      expect(pods).toHaveLength(1);
      return pods;
    });
    expect(pod.spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(pod.spec.volumes!.map((v) => v.name)).toEqual(['data', 'tmp']); // no API token mounted

    await helm(cluster, 'upgrade', 'gitfleet-hub', 'gf-hub', namespace, { values: { fleet: { repoUrl: repo.url }, logLevel: 'debug' } });
    expect(await tokensOf(cluster, namespace, 'gf-hub-tokens')).toEqual(tokens);

    const env = await podEnvironment(cluster, namespace, 'gf-hub');
    expect(env.LOG_LEVEL).toBe('debug');
    const hub = await startHubFromPod(env, join(scratch, 'data'));
    hubs.push(hub);
    expect((await fetch(`${hub.httpUrl}/readyz`)).status).toBe(200);
    const adminToken = Buffer.from(tokens['admin-token'], 'base64').toString();
    expect((await hubApi(hub.httpUrl, undefined).get('/api/v1/clusters')).status).toBe(401);
    expect((await hubApi(hub.httpUrl, adminToken).get('/api/v1/clusters')).status).toBe(200);

    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repo.url } });
    const signature = createHmac('sha256', Buffer.from(tokens['webhook-secret'], 'base64').toString()).update(body).digest('hex');
    const webhook = await hubApi(hub.httpUrl, undefined).raw('POST', '/api/v1/webhooks/git', body, {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${signature}`,
    });
    expect(webhook.status).toBe(202);

    await registerAgent(hub, Buffer.from(tokens['bootstrap-token'], 'base64').toString());
    const view = await hubApi(hub.httpUrl, adminToken).get<ClusterView>('/api/v1/clusters/chart-hub-agent');
    expect(view.body.state).toBe('active');
  }, 180_000);

  it('on an external PostgreSQL with existing Secrets: two replicas, fleet credentials and gRPC TLS from Secrets, approval required', async () => {
    const namespace = `${BASE}-external`;
    repo = await BareRepo.create();
    await repo.commit(FLEET, 'fleet');
    scratch = await mkdtemp(join(tmpdir(), 'gitfleet-hub-install-'));
    db = await createThrowawayDatabase('gitfleet_chart_hub');
    const identity = createSelfSignedCertificate('gitfleet-hub');
    const adminToken = 'admin-token-of-the-platform-team';
    const bootstrapToken = 'bootstrap-token-of-the-platform-team';
    await createIfAbsent(cluster, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const secret = (name: string, stringData: Record<string, string>, type = 'Opaque') =>
      createIfAbsent(cluster, `/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', type, metadata: { name }, stringData });
    await secret('hub-postgres', { 'database-url': db.url });
    await secret('hub-tokens', { 'bootstrap-token': bootstrapToken, 'admin-token': adminToken });
    await secret('fleet-git', { password: 'an-access-token' });
    await secret('hub-grpc-tls', { 'tls.crt': identity.cert, 'tls.key': identity.key }, 'kubernetes.io/tls');
    // Two replicas sign and check agents' client certificates with one CA.
    const agentCa = createCertificateAuthority('gitfleet agents', 365 * 24 * 3600_000);
    await secret('hub-agent-ca', { 'tls.crt': agentCa.cert, 'tls.key': agentCa.key }, 'kubernetes.io/tls');

    await helm(cluster, 'install', 'gitfleet-hub', 'gf-hub', namespace, {
      values: {
        replicas: 2,
        database: { existingSecret: 'hub-postgres' },
        auth: { existingSecret: 'hub-tokens' },
        fleet: { repoUrl: repo.url, username: 'fleet-bot', credentialsSecret: 'fleet-git' },
        grpc: { tls: { secretName: 'hub-grpc-tls' }, agentCa: { secretName: 'hub-agent-ca' } },
        clusterApproval: { required: true },
        podDisruptionBudget: { enabled: true },
      },
    });
    expect(await exists(cluster, `/api/v1/namespaces/${namespace}/persistentvolumeclaims/gf-hub-data`)).toBe(false);
    expect(await exists(cluster, `/api/v1/namespaces/${namespace}/secrets/gf-hub-tokens`)).toBe(false);
    await eventually(async () => expect(await podsOf(cluster, namespace, 'gf-hub')).toHaveLength(2));

    const env = await podEnvironment(cluster, namespace, 'gf-hub', join(scratch, 'pod'));
    expect(env.WEBHOOK_SECRET).toBeUndefined(); // optional key, absent from the Secret
    expect(await readFile(env.HUB_CA_CERT, 'utf8')).toBe(agentCa.cert);
    for (const replica of [1, 2]) hubs.push(await startHubFromPod(env, join(scratch, `data-${replica}`)));
    for (const hub of hubs) {
      expect((await fetch(`${hub.httpUrl}/readyz`)).status).toBe(200);
      await eventually(async () => {
        const fleet = await hubApi(hub.httpUrl, adminToken).get<{ repos?: { name: string; commit: string | null }[]; commit?: string }>(
          '/api/v1/fleet',
        );
        expect(fleet.status).toBe(200);
        expect(JSON.stringify(fleet.body)).toContain(await repo.head());
      });
    }

    await registerAgent(hubs[0], bootstrapToken, { caPem: identity.cert });
    // Registered through one replica, seen (pending approval) through the other: one database.
    const view = await hubApi(hubs[1].httpUrl, adminToken).get<ClusterView>('/api/v1/clusters/chart-hub-agent');
    expect(view.body.state).toBe('pending');
  }, 180_000);
});
