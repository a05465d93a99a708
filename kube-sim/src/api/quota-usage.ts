import { JsonObject, KubeObject, isObject } from '../json-value';
import { sumQuantities } from '../schema/quantity';
import { ObjectStore, typeKeyOf } from '../store/object-store';

/**
 * What a ResourceQuota counts in a namespace, by the names its `hard` uses: object counts
 * ("pods", "count/deployments.apps"), and the compute and storage that Pods and claims ask for.
 */
const COUNTED: Record<string, string> = {
  pods: '/pods',
  services: '/services',
  secrets: '/secrets',
  configmaps: '/configmaps',
  persistentvolumeclaims: '/persistentvolumeclaims',
  replicationcontrollers: '/replicationcontrollers',
  resourcequotas: '/resourcequotas',
};

const COMPUTE = /^(requests|limits)\.(cpu|memory|ephemeral-storage)$|^(cpu|memory|ephemeral-storage)$/;

/** The store type a count name refers to ("count/deployments.apps" → "apps/deployments"). */
export function countedType(name: string): string | undefined {
  if (COUNTED[name]) return COUNTED[name];
  const match = /^count\/([^.]+)(?:\.(.+))?$/.exec(name);
  return match ? typeKeyOf(match[2] ?? '', match[1]) : undefined;
}

/** "requests.cpu" or "cpu" → ['requests', 'cpu']; undefined when not a compute resource. */
export function computeResource(name: string): ['requests' | 'limits', string] | undefined {
  const match = COMPUTE.exec(name);
  if (!match) return undefined;
  return match[3] ? ['requests', match[3]] : [match[1] as 'requests' | 'limits', match[2]];
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = isObject(pod['status']) ? pod['status']['phase'] : undefined;
  return phase === 'Succeeded' || phase === 'Failed' || !!pod.metadata['deletionTimestamp'];
}

/** A Pod's request or limit of one resource: its containers' sum (init containers are not counted here). */
export function podResource(pod: KubeObject, part: 'requests' | 'limits', resource: string): string | undefined {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const of = (list: string) =>
    (Array.isArray(spec[list]) ? spec[list].filter(isObject) : []).map((c: JsonObject) => {
      const resources = isObject(c['resources']) ? c['resources'] : {};
      const values = isObject(resources[part]) ? resources[part] : {};
      return typeof values[resource] === 'string' ? values[resource] : undefined;
    });
  const containers = of('containers').filter((v): v is string => v !== undefined);
  if (containers.length === 0) return undefined;
  return sumQuantities(containers);
}

/** The usage of every resource name of `hard` in a namespace. */
export function usageIn(store: ObjectStore, namespace: string, names: string[]): JsonObject {
  const used: JsonObject = {};
  const pods = store.list('/pods', namespace).filter((p) => !isTerminal(p));
  for (const name of names) {
    const type = countedType(name);
    const compute = computeResource(name);
    if (type === '/pods') used[name] = String(pods.length);
    else if (type) used[name] = String(store.list(type, namespace).length);
    else if (compute)
      used[name] = sumQuantities(pods.map((p) => podResource(p, compute[0], compute[1])).filter((v): v is string => v !== undefined));
    else if (name === 'requests.storage')
      used[name] = sumQuantities(
        store.list('/persistentvolumeclaims', namespace).flatMap((c) => {
          const requests = (((c['spec'] as JsonObject)?.['resources'] as JsonObject)?.['requests'] ?? {}) as JsonObject;
          return typeof requests['storage'] === 'string' ? [requests['storage']] : [];
        }),
      );
    else used[name] = '0';
  }
  return used;
}
