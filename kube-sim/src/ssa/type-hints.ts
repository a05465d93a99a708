/**
 * The little of the OpenAPI schema that field ownership needs: which lists are keyed
 * (`x-kubernetes-list-type: map`) or sets, and which maps/structs are atomic. Lists not
 * named here are atomic, as structured-merge-diff treats untyped lists.
 */
export type ListType = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[]; keyDefaults: Record<string, string | number> };

/** The type an object path belongs to: a built-in kind or a custom resource. */
export interface TypeContext {
  kind: string;
  custom: boolean;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const KEYED_BY_NAME_SUFFIX: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
};

const CONTAINER_FIELD_LISTS: Record<string, string[]> = {
  env: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
};

const ATOMIC_STRUCT_FIELDS = new Set(['selector', 'podSelector', 'namespaceSelector', 'labelSelector']);

/** `fieldNames` is the path of field names only (list items left out). */
export function listTypeAt(context: TypeContext, fieldNames: readonly string[]): ListType {
  const last = fieldNames[fieldNames.length - 1] ?? '';
  const parent = fieldNames[fieldNames.length - 2] ?? '';
  const joined = fieldNames.join('.');
  if (joined === 'metadata.finalizers') return { type: 'set' };
  if (joined === 'metadata.ownerReferences') return keyed(['uid']);
  if (context.custom) return { type: 'atomic' };
  if (CONTAINER_LISTS.has(parent)) {
    if (last === 'ports') return keyed(['containerPort', 'protocol'], { protocol: 'TCP' });
    const keys = CONTAINER_FIELD_LISTS[last];
    if (keys) return keyed(keys);
  }
  if (context.kind === 'Service' && joined === 'spec.ports') return keyed(['port', 'protocol'], { protocol: 'TCP' });
  if (last === 'conditions' && fieldNames[0] === 'status') return keyed(['type']);
  const keys = KEYED_BY_NAME_SUFFIX[last];
  if (keys && fieldNames.length > 1) return keyed(keys);
  return { type: 'atomic' };
}

/** Structs and maps replaced as a whole (LabelSelector, Service.spec.selector, OwnerReference). */
export function isAtomicMap(context: TypeContext, fieldNames: readonly string[]): boolean {
  if (fieldNames.join('.') === 'metadata.ownerReferences') return true;
  if (context.custom) return false;
  const last = fieldNames[fieldNames.length - 1] ?? '';
  return ATOMIC_STRUCT_FIELDS.has(last) && fieldNames[0] === 'spec';
}

function keyed(keys: string[], keyDefaults: Record<string, string | number> = {}): ListType {
  return { type: 'map', keys, keyDefaults };
}

/**
 * Fields that exist in the zero value of a built-in Go type (non-pointer structs). An
 * Update that fills them does not "add" them, so their owners get no `.` entry.
 */
export function zeroValueStructs(context: TypeContext): string[][] {
  if (context.custom) return [['metadata']];
  const paths = [['metadata'], ['spec'], ['status']];
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'PodTemplate'].includes(context.kind)) {
    paths.push(
      ['spec', 'template'],
      ['spec', 'template', 'metadata'],
      ['spec', 'template', 'metadata', 'creationTimestamp'],
      ['spec', 'template', 'spec'],
      ['spec', 'template', 'spec', 'containers'],
    );
  }
  if (context.kind === 'Deployment') paths.push(['spec', 'strategy']);
  if (context.kind === 'StatefulSet' || context.kind === 'DaemonSet') paths.push(['spec', 'updateStrategy']);
  if (context.kind === 'Service') paths.push(['status', 'loadBalancer']);
  if (context.kind === 'Pod') paths.push(['spec', 'containers']);
  return paths;
}
