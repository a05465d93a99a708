import type { KubeObject } from '../model/kube-object';

/**
 * Apply order, written down once: the definitions stage (CRDs, Namespaces and other built-in
 * cluster-scoped kinds) first, then the rest by sync wave (annotation `gitfleet.io/sync-wave`,
 * an integer, default 0), and within a stage by kind (well-known kinds in dependency order,
 * unknown kinds after them, by name), then namespace and name. Deterministic, so that two
 * syncs of the same bundle do the same thing; prune goes in the reverse order.
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

export const SYNC_WAVE_ANNOTATION = 'gitfleet.io/sync-wave';

/** What ordering needs of an item: its object and, when known, whether its kind is namespaced. */
export interface Orderable {
  object: KubeObject;
  namespaced?: boolean;
}

export function isCrd(object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith('apiextensions.k8s.io/');
}

/** CRDs, Namespaces and built-in cluster-scoped kinds: what everything else may need to exist. */
export function isDefinition(item: Orderable): boolean {
  if (isCrd(item.object)) return true;
  if (item.object.kind === 'Namespace' && item.object.apiVersion === 'v1') return true;
  return item.namespaced === false && KIND_RANK.has(item.object.kind);
}

/** The sync wave of an object; an absent or malformed annotation is wave 0 (validation reports the latter). */
export function syncWave(object: KubeObject): number {
  const value = (object.metadata.annotations as Record<string, string> | undefined)?.[SYNC_WAVE_ANNOTATION];
  if (value === undefined) return 0;
  return /^-?\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : 0;
}

/** Whether the object's sync-wave annotation, if any, is an integer. */
export function validSyncWave(object: KubeObject): boolean {
  const value = (object.metadata.annotations as Record<string, string> | undefined)?.[SYNC_WAVE_ANNOTATION];
  return value === undefined || /^-?\d{1,9}$/.test(value.trim());
}

/** Groups items into stages (definitions, then one per wave, ascending), each sorted; empty stages are left out. */
export function orderForApply<T extends Orderable>(items: readonly T[]): T[][] {
  const definitions: T[] = [];
  const waves = new Map<number, T[]>();
  for (const item of items) {
    if (isDefinition(item)) {
      definitions.push(item);
      continue;
    }
    const wave = syncWave(item.object);
    waves.set(wave, [...(waves.get(wave) ?? []), item]);
  }
  const stages = [definitions, ...[...waves.keys()].sort((a, b) => a - b).map((wave) => waves.get(wave)!)];
  return stages.filter((stage) => stage.length > 0).map((stage) => [...stage].sort(compareForApply));
}

function compareForApply(a: Orderable, b: Orderable): number {
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
