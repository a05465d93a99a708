import type { KubeObject } from '../source/manifest-reader';

/**
 * Apply order, written down once: stage (CRDs, then Namespaces, then everything else), then
 * kind (well-known kinds in dependency order, unknown kinds after them), then namespace and
 * name. Deterministic, so that two syncs of the same bundle do the same thing.
 */
const KIND_ORDER = [
  'CustomResourceDefinition',
  'Namespace',
  'PriorityClass',
  'StorageClass',
  'ResourceQuota',
  'LimitRange',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const KIND_RANK = new Map(KIND_ORDER.map((kind, index) => [kind, index]));

/** Stage 0: CRDs; stage 1: Namespaces; stage 2: the rest. Later stages need earlier ones. */
export function applyStage(object: Pick<KubeObject, 'apiVersion' | 'kind'>): number {
  if (object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith('apiextensions.k8s.io/')) return 0;
  if (object.kind === 'Namespace' && object.apiVersion === 'v1') return 1;
  return 2;
}

/** Groups items into stages, each sorted; empty stages are left out. */
export function orderForApply<T extends { object: KubeObject }>(items: readonly T[]): T[][] {
  const stages: T[][] = [[], [], []];
  for (const item of items) stages[applyStage(item.object)]!.push(item);
  return stages.filter((stage) => stage.length > 0).map((stage) => [...stage].sort(compareForApply));
}

function compareForApply(a: { object: KubeObject }, b: { object: KubeObject }): number {
  return (
    kindRank(a.object.kind) - kindRank(b.object.kind) ||
    compare(unknownKindName(a.object.kind), unknownKindName(b.object.kind)) ||
    compare(a.object.metadata.namespace ?? '', b.object.metadata.namespace ?? '') ||
    compare(a.object.metadata.name, b.object.metadata.name)
  );
}

function kindRank(kind: string): number {
  return KIND_RANK.get(kind) ?? KIND_ORDER.length;
}

function unknownKindName(kind: string): string {
  return KIND_RANK.has(kind) ? '' : kind;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
