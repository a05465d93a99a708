/**
 * The values the chart tests render, install and validate: for each chart its defaults and
 * the settings a platform team changes (least-privilege RBAC, TLS, existing Secrets, replicas,
 * labels of every scalar type, scheduling). Namespaces are derived from one base name so that
 * test files sharing a control plane never meet.
 */
import type { HelmValues } from '../support/helm';

export type ChartName = 'gitfleet-agent' | 'gitfleet-hub';

export interface ChartCase {
  chart: ChartName;
  name: string;
  values: HelmValues;
  /** Namespaces besides the release namespace that the rendered objects live in. */
  extraNamespaces: string[];
}

/** Verbs a bundle needs on what it applies: dry-run and apply (patch), prune (delete), watch. */
export const BUNDLE_VERBS = ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'];

export function agentCases(base: string): ChartCase[] {
  const required = { hubAddress: 'hub.example.com:443', clusterName: 'prod-eu-1' };
  const apps = `${base}-apps`;
  const agent = (name: string, values: HelmValues, extraNamespaces: string[] = []): ChartCase => ({
    chart: 'gitfleet-agent',
    name,
    values: { ...values, values: { ...required, ...values.values } },
    extraNamespaces,
  });
  return [
    agent('defaults', { values: { bootstrapToken: 'gfbt_0123456789abcdef' } }),
    agent(
      'least-privilege RBAC',
      {
        values: {
          rbac: {
            clusterAdmin: false,
            rules: [{ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] }],
            namespaces: { [apps]: [{ apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'], verbs: BUNDLE_VERBS }] },
          },
        },
      },
      [apps],
    ),
    agent('least-privilege RBAC without any rule', { values: { rbac: { clusterAdmin: false, rules: [] } } }),
    agent('TLS to the hub', { values: { hubTls: { enabled: true, caSecret: 'hub-ca', serverName: 'hub.internal' } } }),
    agent('existing bootstrap Secret', { values: { existingBootstrapSecret: 'gitfleet-bootstrap' } }),
    agent('labels of every scalar type', {
      values: { clusterLabels: { region: 'eu-west', build: 12345678, ratio: 1.5, spot: false, 'example.com/tier': 'gold' } },
      set: { 'clusterLabels.canary': 'true', 'clusterLabels.zone': '3' },
    }),
    agent('scheduling and runtime', {
      values: {
        priorityClassName: 'system-cluster-critical',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
        affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['system'] }] } }] } },
        podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' },
        imagePullSecrets: [{ name: 'regcred' }],
        runtime: { nodeFlags: [], mallocArenaMax: null },
        health: { port: 9102 },
        cache: { sizeLimit: '5Gi' },
      },
    }),
  ];
}

export function hubCases(): ChartCase[] {
  const hub = (name: string, values: HelmValues): ChartCase => ({
    chart: 'gitfleet-hub',
    name,
    values: { ...values, values: { fleet: { repoUrl: 'https://git.example.com/platform/fleet.git' }, ...values.values } },
    extraNamespaces: [],
  });
  return [
    hub('defaults (embedded database)', {}),
    hub('external PostgreSQL, 3 replicas, existing Secrets', {
      values: {
        replicas: 3,
        database: { existingSecret: 'hub-postgres' },
        auth: { existingSecret: 'hub-tokens' },
        podDisruptionBudget: { enabled: true, minAvailable: 2 },
      },
    }),
    hub('TLS, ingresses, ServiceMonitor', {
      values: {
        grpc: { tls: { secretName: 'hub-grpc-tls' } },
        ingress: { enabled: true, className: 'nginx', host: 'hub.example.com', tlsSecretName: 'hub-http-tls' },
        grpcIngress: {
          enabled: true,
          className: 'nginx',
          host: 'grpc.hub.example.com',
          tlsSecretName: 'hub-grpc-ingress-tls',
          annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS' },
        },
        serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
      },
    }),
    hub('fleet repositories with credentials, approval, notifications', {
      values: {
        fleet: {
          repoUrl: 'https://git.example.com/platform/fleet.git',
          username: 'fleet-bot',
          credentialsSecret: 'platform-git',
          extraRepos: [{ name: 'team-a', url: 'ssh://git@git.example.com/team-a/deploy.git', path: 'deploy', credentialsSecret: 'team-a-git', knownHosts: true }],
        },
        clusterApproval: { required: true },
        notifications: { existingSecret: 'hub-notify' },
        extraEnv: [{ name: 'ROLLOUT_TICK_INTERVAL', value: '5' }],
        priorityClassName: 'system-cluster-critical',
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gitops', effect: 'NoSchedule' }],
      },
    }),
  ];
}
