/**
 * The agent chart installed for real: `helm install` into the real kube-apiserver, then the
 * agent run out of cluster (there is no kubelet) with exactly what the chart gives its pod —
 * the environment of the installed Deployment, read back from the API server, and a token of
 * the ServiceAccount the chart created — connected to a real hub on PostgreSQL. It must do its
 * whole job under the chart's RBAC: register (bootstrap token from the chart's Secret), store
 * its credential and TargetSet (Secrets), apply, keep its inventory (ConfigMaps), watch and
 * heal drift, prune. In least-privilege mode a bundle object outside the listed rules fails
 * with the API server's 403, named in the bundle's status, and nothing else is refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig, startAgent, type RunningAgent } from '#agent';
import { eventually } from '../support/eventually';
import { capturingLogger, startFleet, type ClusterView, type Fleet } from '../support/fleet';
import { helmSkipReason } from '../support/helm';
import { realClusterSkipReason, sharedRealCluster, type RealCluster } from '../support/real-cluster';
import { createIfAbsent, exists, helm, podEnvironment } from './install';
import { BUNDLE_VERBS } from './matrix';

const skip = helmSkipReason() ?? realClusterSkipReason();
const BASE = 'gitfleet-agent-install';

/** A kubeconfig for the ServiceAccount the chart made, with a token from TokenRequest. */
async function serviceAccountKubeconfig(cluster: RealCluster, namespace: string, name: string): Promise<string> {
  const token = await cluster.serviceAccountToken(namespace, name);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'real', server: cluster.info.server, caData: Buffer.from(cluster.info.caPem).toString('base64') }],
    users: [{ name, token }],
    contexts: [{ name: 'real', cluster: 'real', user: name }],
    currentContext: 'real',
  });
  return kc.exportConfig();
}

function bundle(name: string, namespace: string, path: string): string {
  return `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: ${name}
spec:
  source:
    path: ${path}
  namespace: ${namespace}
  targets:
    - clusterSelector: {}
  syncPolicy:
    prune: true
    selfHeal: true
`;
}

const service = (name: string, app: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  ports: [{ port: 80 }]\n  selector: { app: ${app} }\n---\n`;

const configMap = (name: string, greeting: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  greeting: ${greeting}\n---\n`;

describe.skipIf(skip !== undefined)(`the agent chart installed into a real API server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let cluster: RealCluster;
  let fleet: Fleet | undefined;
  let agent: RunningAgent | undefined;
  let cacheDir: string | undefined;

  beforeAll(async () => {
    cluster = await sharedRealCluster();
  }, 150_000);

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await fleet?.stop();
    fleet = undefined;
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  /** Installs the chart with a bootstrap token made through the hub's API, then runs the agent as its pod would. */
  async function installAndRun(release: string, namespace: string, clusterName: string, values: Record<string, unknown>) {
    const created = await fleet!.api.post<{ token: string }>('/api/v1/tokens', { description: clusterName, ttlSeconds: 3600, maxUses: 1 });
    expect(created.status).toBe(201);
    const printed = await helm(cluster, 'install', 'gitfleet-agent', release, namespace, {
      values: { hubAddress: fleet!.hub.grpcAddress, clusterName, clusterLabels: { env: 'real', canary: true }, ...values },
      setString: { bootstrapToken: created.body.token },
    });
    expect(printed).toContain('STATUS: deployed');

    const env = await podEnvironment(cluster, namespace, release);
    expect(env).toMatchObject({ CLUSTER_NAME: clusterName, CLUSTER_LABELS: 'canary=true,env=real', AGENT_NAMESPACE: namespace, HEALTH_PORT: '8081' });
    const config = loadAgentConfig(env);
    expect(config.bootstrapToken).toBe(created.body.token);
    cacheDir = await mkdtemp(join(tmpdir(), 'gitfleet-agent-install-'));
    const logs = capturingLogger('debug');
    agent = await startAgent(
      {
        ...config,
        kubeconfig: await serviceAccountKubeconfig(cluster, namespace, release),
        // In the pod: an emptyDir at CACHE_DIR and the probe port on 0.0.0.0; here a scratch
        // directory and a free loopback port.
        cacheDir,
        health: { host: '127.0.0.1', port: 0 },
      },
      { logger: logs.logger },
    );
    return { user: `system:serviceaccount:${namespace}:${release}`, logs };
  }

  async function bundleView(clusterName: string, name: string) {
    const view = (await fleet!.api.get<ClusterView>(`/api/v1/clusters/${clusterName}`)).body;
    const found = view.bundles?.find((b) => b.bundle === name);
    if (!found) throw new Error(`no bundle ${name} on ${clusterName} yet`);
    return found;
  }

  it('with cluster-admin (the default): registers, stores its credential and TargetSet, applies, keeps its inventory, heals drift, prunes', async () => {
    const namespace = `${BASE}-admin`;
    const apps = `${BASE}-web`;
    fleet = await startFleet({
      files: {
        'fleet/web.yaml': bundle('chart-web', apps, 'apps/web'),
        'apps/web/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${apps}\n`,
        'apps/web/config.yaml': configMap('web-config', 'hello') + configMap('web-extra', 'soon-gone'),
        'apps/web/service.yaml': `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{ port: 80 }]\n  selector: { app: web }\n`,
      },
      clusters: [],
      hub: { heartbeatIntervalMs: 1_000 },
    });
    const since = new Date();
    const { user } = await installAndRun('gf-admin', namespace, 'chart-admin', {});

    await eventually(async () => expect((await bundleView('chart-admin', 'chart-web')).phase).toBe('synced'), { timeoutMs: 60_000 });
    expect(await exists(cluster, `/api/v1/namespaces/${apps}/configmaps/web-config`)).toBe(true);
    expect(await exists(cluster, `/api/v1/namespaces/${apps}/services/web`)).toBe(true);
    for (const secret of ['gitfleet-agent', 'gitfleet-targetset'])
      expect(await exists(cluster, `/api/v1/namespaces/${namespace}/secrets/${secret}`), secret).toBe(true);
    expect(await exists(cluster, `/api/v1/namespaces/${namespace}/configmaps/gitfleet-inventory-chart-web`)).toBe(true);
    expect(await fetch(`${agent!.healthUrl}/readyz`).then((r) => r.json())).toEqual({ status: 'ready', reason: 'connected to the hub' });

    // Drift: an edit through another client is seen by the agent's watch and undone.
    await cluster.request(
      'PATCH',
      `/api/v1/namespaces/${apps}/configmaps/web-config`,
      { data: { greeting: 'edited by hand' } },
      'application/merge-patch+json',
    );
    await eventually(
      async () => {
        const live = (await cluster.request('GET', `/api/v1/namespaces/${apps}/configmaps/web-config`)) as { data: Record<string, string> };
        expect(live.data.greeting).toBe('hello');
      },
      { timeoutMs: 30_000 },
    );

    // Prune: what leaves Git leaves the cluster.
    await fleet.repo.commit({ 'apps/web/config.yaml': configMap('web-config', 'hello') }, 'drop web-extra');
    await eventually(async () => expect(await exists(cluster, `/api/v1/namespaces/${apps}/configmaps/web-extra`)).toBe(false), {
      timeoutMs: 60_000,
    });

    const refused = (await cluster.auditEvents(since)).filter((e) => e.user.username === user && (e.responseStatus?.code ?? 0) === 403);
    expect(refused).toEqual([]);
  }, 180_000);

  it('least privilege: works within the namespaced rules it is given, and a bundle object outside them fails with the 403, named', async () => {
    const namespace = `${BASE}-lp`;
    const allowed = `${BASE}-lp-apps`;
    const forbidden = `${BASE}-lp-other`;
    for (const name of [allowed, forbidden]) await createIfAbsent(cluster, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // Services only: the agent's own ConfigMaps (its inventory) must come from the chart's own rules.
    fleet = await startFleet({
      files: {
        'fleet/ok.yaml': bundle('lp-ok', allowed, 'apps/ok'),
        'apps/ok/services.yaml': service('ok-web', 'web') + service('ok-extra', 'extra'),
        'fleet/denied.yaml': bundle('lp-denied', forbidden, 'apps/denied'),
        'apps/denied/service.yaml': service('denied-web', 'web'),
      },
      clusters: [],
      hub: { heartbeatIntervalMs: 1_000 },
    });
    const since = new Date();
    const { user, logs } = await installAndRun('gf-lp', namespace, 'chart-lp', {
      rbac: { clusterAdmin: false, namespaces: { [allowed]: [{ apiGroups: [''], resources: ['services'], verbs: BUNDLE_VERBS }] } },
    });

    await eventually(async () => expect((await bundleView('chart-lp', 'lp-ok')).phase).toBe('synced'), { timeoutMs: 60_000 });
    const denied = await eventually(
      async () => {
        const view = await bundleView('chart-lp', 'lp-denied');
        expect(view.phase).toBe('failed');
        return view;
      },
      { timeoutMs: 60_000 },
    );
    const failure = denied.resources?.find((r) => r.name === 'denied-web')?.error ?? '';
    expect(failure).toContain(`Service/${forbidden}/denied-web dry-run failed (Forbidden)`);
    expect(failure).toContain(`cannot patch resource "services" in API group "" in the namespace "${forbidden}"`);
    expect(await exists(cluster, `/api/v1/namespaces/${forbidden}/services/denied-web`)).toBe(false);
    expect(await exists(cluster, `/api/v1/namespaces/${allowed}/services/ok-web`)).toBe(true);
    expect(await exists(cluster, `/api/v1/namespaces/${namespace}/configmaps/gitfleet-inventory-lp-ok`)).toBe(true);
    for (const secret of ['gitfleet-agent', 'gitfleet-targetset'])
      expect(await exists(cluster, `/api/v1/namespaces/${namespace}/secrets/${secret}`), secret).toBe(true);

    await cluster.request(
      'PATCH',
      `/api/v1/namespaces/${allowed}/services/ok-web`,
      { spec: { selector: { app: 'edited-by-hand' } } },
      'application/merge-patch+json',
    );
    await eventually(
      async () => {
        const live = (await cluster.request('GET', `/api/v1/namespaces/${allowed}/services/ok-web`)) as { spec: { selector: Record<string, string> } };
        expect(live.spec.selector).toEqual({ app: 'web' });
      },
      { timeoutMs: 30_000 },
    );
    await fleet.repo.commit({ 'apps/ok/services.yaml': service('ok-web', 'web') }, 'drop ok-extra');
    await eventually(async () => expect(await exists(cluster, `/api/v1/namespaces/${allowed}/services/ok-extra`)).toBe(false), {
      timeoutMs: 60_000,
    });

    // Everything the API server refused the agent was in the namespace it was not given; its
    // own needs (credential, TargetSet, inventory, watches) were all within the chart's RBAC.
    const refused = (await cluster.auditEvents(since)).filter((e) => e.user.username === user && (e.responseStatus?.code ?? 0) === 403);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((e) => e.objectRef?.namespace !== forbidden)).toEqual([]);
    const forbiddenLogs = logs.lines().filter((l) => /forbidden/i.test(JSON.stringify(l)) && !JSON.stringify(l).includes(forbidden));
    expect(forbiddenLogs).toEqual([]);
  }, 180_000);
});
