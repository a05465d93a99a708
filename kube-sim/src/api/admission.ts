import { forbidden } from '../api-error';
import { JsonObject, KubeObject, isObject, objectAt } from '../json-value';
import { ObjectStore, typeKeyOf } from '../store/object-store';
import type { ResourceType } from '../discovery/api-types';
import { admitPod } from './pod-admission';
import { admitQuota } from './quota-admission';

const SERVICE_ACCOUNTS = typeKeyOf('', 'serviceaccounts');
const LIMIT_RANGES = typeKeyOf('', 'limitranges');
const PVC_PROTECTION = 'kubernetes.io/pvc-protection';

/**
 * The mutating and validating admission plugins of a default kube-apiserver that act on
 * creation: ServiceAccount (the Pod's account must exist), LimitRanger (default requests and
 * limits), Priority, DefaultTolerationSeconds, StorageObjectInUseProtection (the claim's
 * finalizer) and ResourceQuota. They run after field ownership is settled, so nobody owns
 * what they add.
 */
export function admitCreate(store: ObjectStore, type: ResourceType, object: KubeObject): void {
  const kind = type.kind;
  if (kind === 'Pod') {
    requireServiceAccount(store, object);
    applyLimitRanges(store, object);
    admitPod(object);
  } else if (kind === 'PersistentVolumeClaim') {
    const finalizers = Array.isArray(object.metadata['finalizers']) ? object.metadata['finalizers'] : [];
    if (!finalizers.includes(PVC_PROTECTION)) object.metadata['finalizers'] = [...finalizers, PVC_PROTECTION];
  }
  admitQuota(store, typeKeyOf(type.group, type.resource), type.resource, object);
}

function requireServiceAccount(store: ObjectStore, pod: KubeObject): void {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const account = String(spec['serviceAccountName'] || spec['serviceAccount'] || 'default');
  const namespace = String(pod.metadata['namespace'] ?? '');
  if (store.get(SERVICE_ACCOUNTS, namespace, account)) return;
  throw forbidden(
    `pods "${pod.metadata.name}" is forbidden: error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`,
    { name: pod.metadata.name, kind: 'pods' },
  );
}

/**
 * Containers without requests or limits get the defaults of the namespace's container
 * LimitRanges, one range after another (by name); the annotation names what the last range
 * that set anything set.
 */
function applyLimitRanges(store: ObjectStore, pod: KubeObject): void {
  const spec = objectAt(pod, 'spec');
  for (const range of store.list(LIMIT_RANGES, String(pod.metadata['namespace'] ?? ''))) {
    const limits = isObject(range['spec']) ? range['spec']['limits'] : undefined;
    const items = Array.isArray(limits) ? limits.filter((item): item is JsonObject => isObject(item) && item['type'] === 'Container') : [];
    const notes: string[] = [];
    for (const [list, noun] of [
      ['containers', 'container'],
      ['initContainers', 'init container'],
    ] as const) {
      for (const container of Array.isArray(spec[list]) ? spec[list].filter(isObject) : []) {
        const resources = objectAt(container, 'resources');
        for (const [part, from, what] of [
          ['requests', 'defaultRequest', 'request'],
          ['limits', 'default', 'limit'],
        ] as const) {
          const set: string[] = [];
          const current = objectAt(resources, part);
          for (const item of items) {
            const defaults = item[from];
            if (!isObject(defaults)) continue;
            for (const [name, quantity] of Object.entries(defaults)) {
              if (current[name] !== undefined) continue;
              current[name] = quantity;
              set.push(name);
            }
          }
          if (Object.keys(current).length === 0) delete resources[part];
          if (set.length > 0) notes.push(`${set.sort().join(', ')} ${what} for ${noun} ${String(container['name'])}`);
        }
      }
    }
    if (notes.length > 0)
      objectAt(pod.metadata, 'annotations')['kubernetes.io/limit-ranger'] = `LimitRanger plugin set: ${notes.join('; ')}`;
  }
}
