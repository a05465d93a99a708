/**
 * The charts as the real helm renders them: `helm lint` and `helm template` over the matrix of
 * values (test/charts/matrix.ts), what each setting renders, what values.schema.json and the
 * templates refuse (with the value's path), and every rendered object applied to a simulated
 * cluster. The real API server's verdict on the same objects: real-dry-run.spec.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { CHARTS_DIR, helmSkipReason, helmTemplate, parseManifests, runHelmWithValues, type HelmValues, type RenderedObject } from '../support/helm';
import { agentCases, BUNDLE_VERBS, hubCases, type ChartCase, type ChartName } from './matrix';

const skip = helmSkipReason();
const NAMESPACE = 'gitfleet-render';
const cases = [...agentCases(NAMESPACE), ...hubCases()];

function find(objects: RenderedObject[], kind: string, name?: string): RenderedObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} rendered: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

interface Container {
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  [field: string]: unknown;
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

function podSpec(objects: RenderedObject[]): PodSpec {
  return (find(objects, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
}

function env(objects: RenderedObject[]): Record<string, string | undefined> {
  return Object.fromEntries(podSpec(objects).containers[0].env.map((e) => [e.name, e.value]));
}

function envRef(objects: RenderedObject[], name: string): unknown {
  return podSpec(objects).containers[0].env.find((e) => e.name === name)?.valueFrom;
}

async function render(chartCase: ChartCase): Promise<RenderedObject[]> {
  return helmTemplate(chartCase.chart, 'gf', NAMESPACE, chartCase.values);
}

/** helm's complaint about values it refuses (schema or template `fail`), or '' when it renders. */
async function refusal(chart: ChartName, values: HelmValues): Promise<string> {
  const result = await runHelmWithValues(['template', 'gf', join(CHARTS_DIR, chart), '--namespace', NAMESPACE], values);
  return result.code === 0 ? '' : result.stderr;
}

describe.skipIf(skip !== undefined)(`the charts rendered by the real helm${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it.each(cases.map((c) => [`${c.chart}: ${c.name}`, c] as const))('helm lint passes: %s', async (_name, chartCase) => {
    const result = await runHelmWithValues(['lint', '--strict', join(CHARTS_DIR, chartCase.chart)], chartCase.values);
    expect(result.stderr + result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  describe('gitfleet-agent', () => {
    const [defaults, leastPrivilege, noRules, tls, existingSecret, labels, scheduling] = agentCases(NAMESPACE);

    it('by default: bound to cluster-admin, probes on the health endpoint, non-root with a read-only root', async () => {
      const objects = await render(defaults);
      expect(find(objects, 'ClusterRoleBinding', 'gf-cluster-admin').roleRef).toMatchObject({ kind: 'ClusterRole', name: 'cluster-admin' });
      const spec = podSpec(objects);
      const container = spec.containers[0] as Container & Record<string, Record<string, unknown>>;
      expect(env(objects)).toMatchObject({ HEALTH_PORT: '8081', HEALTH_HOST: '0.0.0.0', CACHE_DIR: '/var/cache/gitfleet', HOME: '/tmp' });
      expect(container.ports).toEqual([{ name: 'health', containerPort: 8081 }]);
      expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'health' } });
      expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'health' } });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.volumes.map((v) => v.name)).toEqual(['cache', 'tmp']);
      expect(find(objects, 'Secret', 'gf-bootstrap').stringData).toEqual({ token: 'gfbt_0123456789abcdef' });
      expect(find(objects, 'Deployment').spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    });

    it('keeps for itself only what it needs: Namespaces read, inventory ConfigMaps listed, its own Secrets by name', async () => {
      const objects = await render(noRules);
      expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.metadata.name)).toEqual(['gf']);
      expect(find(objects, 'ClusterRole', 'gf').rules).toEqual([
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['list'] },
      ]);
      expect(find(objects, 'Role', 'gf').rules).toContainEqual({
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['gitfleet-agent', 'gitfleet-targetset'],
        verbs: ['get', 'update', 'patch', 'delete'],
      });
    });

    it('least privilege: a Role in each namespace listed, and list/watch of those kinds cluster-wide for its watches', async () => {
      const objects = await render(leastPrivilege);
      expect(objects.some((o) => o.metadata.name === 'gf-cluster-admin')).toBe(false);
      const apps = `${NAMESPACE}-apps`;
      const role = objects.find((o) => o.kind === 'Role' && o.metadata.namespace === apps)!;
      expect(role.rules).toEqual([{ apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'], verbs: BUNDLE_VERBS }]);
      expect(objects.find((o) => o.kind === 'RoleBinding' && o.metadata.namespace === apps)!.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'gf', namespace: NAMESPACE },
      ]);
      expect(find(objects, 'ClusterRole', 'gf-bundles').rules).toEqual([
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'], verbs: ['list', 'watch'] },
      ]);
    });

    it('mounts the hub CA and speaks TLS; reads the bootstrap token from an existing Secret', async () => {
      const withTls = await render(tls);
      expect(env(withTls)).toMatchObject({ HUB_TLS: 'true', HUB_CA_FILE: '/etc/gitfleet/hub-ca/ca.crt', HUB_TLS_SERVER_NAME: 'hub.internal' });
      expect(podSpec(withTls).volumes).toContainEqual({ name: 'hub-ca', secret: { secretName: 'hub-ca' } });
      const existing = await render(existingSecret);
      expect(existing.some((o) => o.kind === 'Secret')).toBe(false);
      expect(envRef(existing, 'BOOTSTRAP_TOKEN')).toEqual({ secretKeyRef: { name: 'gitfleet-bootstrap', key: 'token', optional: true } });
    });

    it('passes its own bundle policy as AGENT_POLICY, and none by default', async () => {
      const policy = { namespaces: ['team-*'], clusterScoped: false, deniedKinds: ['core/Secret'] };
      const objects = await render({ chart: 'gitfleet-agent', name: 'policy', extraNamespaces: [], values: { values: { hubAddress: 'h:443', clusterName: 'c', policy } } });
      expect(JSON.parse(env(objects).AGENT_POLICY!)).toEqual(policy);
      expect(env(await render(defaults)).AGENT_POLICY).toBeUndefined();
    });

    it('gives labels of every scalar type as written (bool, int from --set and from a file, float, string)', async () => {
      expect(env(await render(labels)).CLUSTER_LABELS).toBe(
        'build=12345678,canary=true,example.com/tier=gold,ratio=1.5,region=eu-west,spot=false,zone=3',
      );
    });

    it('schedules as told and can run without the low-memory flags', async () => {
      const objects = await render(scheduling);
      const spec = podSpec(objects) as PodSpec & Record<string, unknown>;
      expect(spec).toMatchObject({
        priorityClassName: 'system-cluster-critical',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
        imagePullSecrets: [{ name: 'regcred' }],
      });
      expect(spec.containers[0].command).toEqual(['node', 'dist/agent/src/main.js']);
      expect(env(objects).MALLOC_ARENA_MAX).toBeUndefined();
      expect(env(objects).HEALTH_PORT).toBe('9102');
      expect(spec.volumes[0]).toEqual({ name: 'cache', emptyDir: { sizeLimit: '5Gi' } });
    });

    it.each<[string, HelmValues, string]>([
      ['a string for a boolean', { set: { 'rbac.clusterAdmin': 'yes' } }, 'rbac.clusterAdmin: Invalid type. Expected: boolean, given: string'],
      ['a misspelt value', { values: { clusterLabel: { env: 'prod' } } }, 'Additional property clusterLabel is not allowed'],
      ['an invalid label key', { values: { clusterLabels: { 'bad key': 'x' } } }, 'clusterLabels'],
      ['a list of labels', { values: { clusterLabels: { env: ['a'] } } }, 'clusterLabels.env: Invalid type'],
      ['a hub address without a port', { set: { hubAddress: 'hub.example.com' } }, 'hubAddress: Does not match pattern'],
      ['a rule without verbs', { values: { rbac: { namespaces: { shop: [{ resources: ['pods'] }] } } } }, 'rbac.namespaces.shop.0: verbs is required'],
      ['a bad memory request', { set: { 'resources.requests.memory': 'lots' } }, 'resources.requests.memory'],
      ['a policy field that does not exist', { values: { policy: { allowAll: true } } }, 'policy: Additional property allowAll is not allowed'],
    ])('refuses %s, naming the value', async (_what, values, message) => {
      const stderr = await refusal('gitfleet-agent', { values: { hubAddress: 'h:443', clusterName: 'c', ...values.values }, set: values.set });
      expect(stderr).toContain("values don't meet the specifications of the schema");
      expect(stderr).toContain(message);
    });

    it.each<[string, HelmValues, string]>([
      ['no hub address', { values: { clusterName: 'c' } }, 'hubAddress is required'],
      ['no cluster name', { values: { hubAddress: 'h:443' } }, 'clusterName is required'],
      [
        'a label value Kubernetes would refuse',
        { values: { hubAddress: 'h:443', clusterName: 'c', clusterLabels: { owner: 'team a' } } },
        'clusterLabels.owner: "team a" is not a valid label value',
      ],
      [
        'a float label that is no label value',
        { values: { hubAddress: 'h:443', clusterName: 'c', clusterLabels: { huge: 1e20 } } },
        'clusterLabels.huge: "1e+20" is not a valid label value',
      ],
    ])('refuses %s with a clear message', async (_what, values, message) => {
      expect(await refusal('gitfleet-agent', values)).toContain(message);
    });
  });

  describe('gitfleet-hub', () => {
    const [embedded, external, exposed, repos] = hubCases();

    it('with the embedded database: one replica, Recreate, a kept volume, tokens generated into a kept Secret', async () => {
      const objects = await render(embedded);
      expect(find(objects, 'Deployment').spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
      expect(find(objects, 'PersistentVolumeClaim', 'gf-data').metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(podSpec(objects).volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'gf-data' } });
      expect(envRef(objects, 'DATABASE_URL')).toBeUndefined();
      const tokens = find(objects, 'Secret', 'gf-tokens');
      const data = tokens.data as Record<string, string>;
      expect(Object.keys(data)).toEqual(['bootstrap-token', 'admin-token', 'webhook-secret']);
      for (const value of Object.values(data)) expect(Buffer.from(value, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(new Set(Object.values(data)).size).toBe(3);
      expect(envRef(objects, 'ADMIN_TOKEN')).toEqual({ secretKeyRef: { name: 'gf-tokens', key: 'admin-token', optional: false } });
      expect(envRef(objects, 'WEBHOOK_SECRET')).toEqual({ secretKeyRef: { name: 'gf-tokens', key: 'webhook-secret', optional: false } });
      expect(JSON.parse(env(objects).FLEET_REPOS!)).toEqual([
        { name: 'default', url: 'https://git.example.com/platform/fleet.git', branch: 'main', path: 'fleet' },
      ]);
      const container = podSpec(objects).containers[0] as Container & Record<string, Record<string, unknown>>;
      expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
      expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
      expect(container.startupProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(podSpec(objects)).toMatchObject({ automountServiceAccountToken: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
      // PGlite runs inside the hub: measured 510-880 MB RSS at rest (values.yaml).
      expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '1Gi' }, limits: { memory: '2Gi' } });
      // A young generation sized for a commit's reports in flight (values.yaml runtime.nodeFlags).
      expect(container.command).toEqual(['node', '--max-semi-space-size=64', 'dist/hub/src/main.js']);
    });

    it('starts plain node with runtime.nodeFlags []', async () => {
      const objects = await helmTemplate('gitfleet-hub', 'gf', NAMESPACE, { values: { fleet: { repoUrl: 'https://g/f.git' }, runtime: { nodeFlags: [] } } });
      expect(podSpec(objects).containers[0].command).toEqual(['node', 'dist/hub/src/main.js']);
    });

    it('with an external PostgreSQL: replicas, rolling updates, the URL and tokens from existing Secrets, a PDB', async () => {
      const objects = await render(external);
      expect(find(objects, 'Deployment').spec).toMatchObject({
        replicas: 3,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      });
      expect(objects.some((o) => o.kind === 'PersistentVolumeClaim' || o.kind === 'Secret')).toBe(false);
      expect(podSpec(objects).volumes[0]).toEqual({ name: 'data', emptyDir: { sizeLimit: '2Gi' } });
      expect(envRef(objects, 'DATABASE_URL')).toEqual({ secretKeyRef: { name: 'hub-postgres', key: 'database-url' } });
      expect(envRef(objects, 'BOOTSTRAP_TOKEN')).toEqual({ secretKeyRef: { name: 'hub-tokens', key: 'bootstrap-token' } });
      expect(envRef(objects, 'ADMIN_TOKEN')).toEqual({ secretKeyRef: { name: 'hub-tokens', key: 'admin-token', optional: true } });
      expect(find(objects, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 2 });
      expect(podSpec(objects).containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    });

    it('serves TLS, and exposes the API and gRPC through separate Ingresses and /metrics to Prometheus', async () => {
      const objects = await render(exposed);
      expect(env(objects)).toMatchObject({ GRPC_TLS_CERT_FILE: '/etc/gitfleet/grpc-tls/tls.crt', GRPC_TLS_KEY_FILE: '/etc/gitfleet/grpc-tls/tls.key' });
      // Agents' client certificates by default, from a CA the hub keeps on its data volume.
      expect(env(objects)).toMatchObject({ AGENT_AUTH: 'mtls-or-bearer', AGENT_CERT_VALIDITY: '2592000' });
      expect(env(objects).HUB_CA_CERT).toBeUndefined();
      const withCa = await helmTemplate('gitfleet-hub', 'gf', NAMESPACE, {
        values: { fleet: { repoUrl: 'https://g/f.git' }, grpc: { tls: { secretName: 't' }, agentAuth: 'mtls', agentCa: { secretName: 'agent-ca' } } },
      });
      expect(env(withCa)).toMatchObject({ AGENT_AUTH: 'mtls', HUB_CA_CERT: '/etc/gitfleet/agent-ca/tls.crt', HUB_CA_KEY: '/etc/gitfleet/agent-ca/tls.key' });
      expect(podSpec(withCa).volumes).toContainEqual({ name: 'agent-ca', secret: { secretName: 'agent-ca', defaultMode: 0o440 } });
      const grpc = find(objects, 'Ingress', 'gf-grpc');
      expect(grpc.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS' });
      expect(JSON.stringify(grpc.spec)).toContain('"port":{"name":"grpc"}');
      expect(JSON.stringify(find(objects, 'Ingress', 'gf').spec)).toContain('"port":{"name":"http"}');
      expect(find(objects, 'ServiceMonitor').spec).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics' }] });
      expect(find(objects, 'Service').spec).toMatchObject({ ports: [{ name: 'http' }, { name: 'grpc', appProtocol: 'grpc' }] });
    });

    it('passes each repository\'s bundle policy in FLEET_REPOS', async () => {
      const objects = await render({
        chart: 'gitfleet-hub',
        name: 'policy',
        extraNamespaces: [],
        values: {
          values: {
            fleet: {
              repoUrl: 'https://git.example.com/fleet.git',
              policy: { allowPrivilegedBindings: true },
              extraRepos: [{ name: 'team-a', url: 'https://git.example.com/a.git', policy: { namespaces: ['team-a'] } }],
            },
          },
        },
      });
      expect(JSON.parse(env(objects).FLEET_REPOS!).map((r: { name: string; policy?: unknown }) => [r.name, r.policy])).toEqual([
        ['default', { allowPrivilegedBindings: true }],
        ['team-a', { namespaces: ['team-a'] }],
      ]);
    });

    it('gives git its credentials as files from Secrets, never in values', async () => {
      const objects = await render(repos);
      expect(JSON.parse(env(objects).FLEET_REPOS!)).toEqual([
        {
          name: 'default',
          url: 'https://git.example.com/platform/fleet.git',
          branch: 'main',
          path: 'fleet',
          username: 'fleet-bot',
          passwordFile: '/etc/gitfleet/repos/default/password',
        },
        {
          name: 'team-a',
          url: 'ssh://git@git.example.com/team-a/deploy.git',
          branch: 'main',
          path: 'deploy',
          sshKeyFile: '/etc/gitfleet/repos/team-a/ssh-privatekey',
          knownHostsFile: '/etc/gitfleet/repos/team-a/known_hosts',
        },
      ]);
      expect(podSpec(objects).volumes).toContainEqual({ name: 'repo-team-a', secret: { secretName: 'team-a-git', defaultMode: 0o440 } });
      expect(env(objects)).toMatchObject({
        CLUSTER_APPROVAL_REQUIRED: 'true',
        NOTIFY_WEBHOOKS_FILE: '/etc/gitfleet/notifications/notify-webhooks.json',
        ROLLOUT_TICK_INTERVAL: '5',
      });
    });

    it.each<[string, HelmValues, string]>([
      ['a string for replicas', { set: { replicas: 'two' } }, 'replicas: Invalid type. Expected: integer, given: string'],
      ['a repository name git cannot take', { values: { fleet: { extraRepos: [{ name: 'Team_A', url: 'x' }] } } }, 'fleet.extraRepos.0.name'],
      ['a misspelt value', { values: { databaseUrl: 'postgres://x' } }, 'Additional property databaseUrl is not allowed'],
      ['an unknown service type', { set: { 'service.type': 'Public' } }, 'service.type'],
      ['a node flag without its dashes', { values: { runtime: { nodeFlags: ['max-semi-space-size=64'] } } }, 'runtime.nodeFlags.0: Does not match pattern'],
    ])('refuses %s, naming the value', async (_what, values, message) => {
      const stderr = await refusal('gitfleet-hub', { values: { fleet: { repoUrl: 'https://g/f.git', ...(values.values?.fleet ?? {}) }, ...values.values }, set: values.set });
      expect(stderr).toContain("values don't meet the specifications of the schema");
      expect(stderr).toContain(message);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['no fleet repository', { fleet: { repoUrl: '' } }, 'fleet.repoUrl (or fleet.extraRepos) is required'],
      [
        'replicas > 1 on the embedded database',
        { fleet: { repoUrl: 'https://g/f.git' }, replicas: 2 },
        'replicas: 2 needs an external PostgreSQL: set database.existingSecret',
      ],
      ['a token in the URL', { fleet: { repoUrl: 'https://x-access-token:ghp_123@github.com/o/f.git' } }, 'fleet.repoUrl carries credentials in the URL'],
      [
        'a password in an extra repository URL',
        { fleet: { repoUrl: 'https://g/f.git', extraRepos: [{ name: 'b', url: 'ssh://git:pw@g/b.git' }] } },
        'fleet.extraRepos[0] carries credentials in the URL',
      ],
      [
        'a PDB no drain could satisfy',
        { fleet: { repoUrl: 'https://g/f.git' }, podDisruptionBudget: { enabled: true } },
        'podDisruptionBudget.minAvailable (1) must be below replicas (1)',
      ],
      ['mutual TLS without TLS', { fleet: { repoUrl: 'https://g/f.git' }, grpc: { agentAuth: 'mtls' } }, 'grpc.agentAuth=mtls needs grpc.tls.secretName'],
      [
        'client certificates from a CA each replica would generate for itself',
        { fleet: { repoUrl: 'https://g/f.git' }, database: { existingSecret: 'pg' }, replicas: 2, grpc: { tls: { secretName: 't' } } },
        'grpc.agentCa.secretName is required with an external PostgreSQL and grpc.tls',
      ],
    ])('refuses %s with a clear message', async (_what, values, message) => {
      const stderr = await refusal('gitfleet-hub', { values });
      expect(stderr).toContain(message);
      expect(stderr).not.toContain('ghp_123@');
    });
  });

  describe('every rendered object, applied to a simulated cluster', () => {
    let sim: SimCluster;
    let objectApi: KubernetesObjectApi;
    beforeAll(async () => {
      sim = await startSimCluster({ name: 'chart-render' });
      const kc = new KubeConfig();
      kc.loadFromString(sim.kubeconfig);
      objectApi = KubernetesObjectApi.makeApiClient(kc);
      for (const crd of parseManifests(await readFile(join(__dirname, 'testdata/servicemonitor-crd.yaml'), 'utf8'))) await objectApi.create(crd);
    });
    afterAll(async () => {
      await sim?.stop();
    });

    it.each(cases.map((c) => [`${c.chart}: ${c.name}`, c] as const))('%s', async (_name, chartCase) => {
      // One release per chart: the two charts' objects side by side, as in a cluster that runs both.
      const objects = await helmTemplate(chartCase.chart, chartCase.chart, NAMESPACE, chartCase.values);
      for (const namespace of [NAMESPACE, ...chartCase.extraNamespaces]) {
        await objectApi.patch({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, undefined, undefined, 'chart-test', true, PatchStrategy.ServerSideApply);
      }
      for (const object of objects) {
        await expect(
          objectApi.patch(object as KubernetesObject, undefined, undefined, 'chart-test', true, PatchStrategy.ServerSideApply),
          `${object.kind}/${object.metadata.name}`,
        ).resolves.toMatchObject({ kind: object.kind });
      }
    });
  });
});
