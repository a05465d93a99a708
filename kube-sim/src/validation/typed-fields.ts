import { JsonObject, isObject, valueAt } from '../json-value';

/**
 * A small part of the built-in schemas: the top-level fields of common kinds and the
 * numeric fields clients most often get wrong. Enough to answer, as kube-apiserver does,
 * that `replicas: "two"` or a ConfigMap `spec` cannot be turned into a typed object.
 */
const TOP_LEVEL_FIELDS: Record<string, string[]> = {
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  Namespace: ['spec', 'status'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  ClusterRole: ['rules', 'aggregationRule'],
  Role: ['rules'],
  ClusterRoleBinding: ['subjects', 'roleRef'],
  RoleBinding: ['subjects', 'roleRef'],
  Deployment: ['spec', 'status'],
  StatefulSet: ['spec', 'status'],
  DaemonSet: ['spec', 'status'],
  ReplicaSet: ['spec', 'status'],
  Job: ['spec', 'status'],
  CronJob: ['spec', 'status'],
  Service: ['spec', 'status'],
  Pod: ['spec', 'status'],
  Ingress: ['spec', 'status'],
  NetworkPolicy: ['spec', 'status'],
  PodDisruptionBudget: ['spec', 'status'],
  PersistentVolumeClaim: ['spec', 'status'],
  CustomResourceDefinition: ['spec', 'status'],
};

const NUMERIC_FIELDS = [
  'spec.replicas',
  'spec.revisionHistoryLimit',
  'spec.progressDeadlineSeconds',
  'spec.minReadySeconds',
  'spec.parallelism',
  'spec.completions',
  'spec.backoffLimit',
  'spec.activeDeadlineSeconds',
  'spec.ttlSecondsAfterFinished',
];

const STRING_MAP_FIELDS = ['metadata.labels', 'metadata.annotations', 'data', 'stringData'];

/** The first typing error, formatted like structured-merge-diff: `.spec.replicas: expected ...`. */
export function typedFieldError(kind: string, object: JsonObject): string | undefined {
  const known = TOP_LEVEL_FIELDS[kind];
  if (known) {
    for (const key of Object.keys(object)) {
      if (key !== 'apiVersion' && key !== 'kind' && key !== 'metadata' && !known.includes(key))
        return `.${key}: field not declared in schema`;
    }
  }
  for (const field of NUMERIC_FIELDS) {
    const value = valueAt(object, field);
    if (value !== undefined && value !== null && typeof value !== 'number') {
      return `.${field}: expected numeric (int or float), got ${typeof value === 'object' ? 'map' : typeof value}`;
    }
  }
  for (const field of STRING_MAP_FIELDS) {
    if (field === 'data' && kind !== 'ConfigMap' && kind !== 'Secret') continue;
    const value = valueAt(object, field);
    if (value === undefined || value === null) continue;
    if (!isObject(value)) return `.${field}: expected map, got ${Array.isArray(value) ? 'list' : typeof value}`;
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') return `.${field}.${k}: expected string, got ${typeof v === 'object' ? 'map' : typeof v}`;
    }
  }
  return undefined;
}
