import { JsonObject, isObject, objectAt } from '../json-value';
import { randomSuffix } from './random-names';

/**
 * The admission plugins a Pod meets on creation in a default kube-apiserver: ServiceAccount
 * (service account name, token volume and its mounts), Priority and DefaultTolerationSeconds,
 * and the status the Pod strategy starts it with. They run after field ownership is computed,
 * so the creator does not own what they add — as transcript 04 records.
 */
export function admitPod(pod: JsonObject): void {
  const spec = objectAt(pod, 'spec');
  if (spec['serviceAccountName'] === undefined || spec['serviceAccountName'] === '')
    spec['serviceAccountName'] = spec['serviceAccount'] ?? 'default';
  spec['serviceAccount'] = spec['serviceAccountName']!;
  mountServiceAccountToken(spec);
  if (spec['priority'] === undefined) spec['priority'] = 0;
  if (spec['preemptionPolicy'] === undefined) spec['preemptionPolicy'] = 'PreemptLowerPriority';
  addDefaultTolerations(spec);
  const status = objectAt(pod, 'status');
  if (status['phase'] === undefined) status['phase'] = 'Pending';
  if (status['qosClass'] === undefined) status['qosClass'] = qosClass(spec);
}

const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

function mountServiceAccountToken(spec: JsonObject): void {
  if (spec['automountServiceAccountToken'] === false) return;
  const containers = ['initContainers', 'containers'].flatMap((list) => (Array.isArray(spec[list]) ? spec[list].filter(isObject) : []));
  const mounted = (c: JsonObject) =>
    Array.isArray(c['volumeMounts']) && c['volumeMounts'].some((m) => isObject(m) && m['mountPath'] === TOKEN_PATH);
  if (containers.length === 0 || containers.every(mounted)) return;
  const name = `kube-api-access-${randomSuffix()}`;
  const volumes = Array.isArray(spec['volumes']) ? spec['volumes'] : [];
  spec['volumes'] = [...volumes, tokenVolume(name)];
  for (const container of containers) {
    if (mounted(container)) continue;
    const mounts = Array.isArray(container['volumeMounts']) ? container['volumeMounts'] : [];
    container['volumeMounts'] = [...mounts, { name, readOnly: true, mountPath: TOKEN_PATH }];
  }
}

function tokenVolume(name: string): JsonObject {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

function addDefaultTolerations(spec: JsonObject): void {
  const tolerations = Array.isArray(spec['tolerations']) ? spec['tolerations'].filter(isObject) : [];
  const next: JsonObject[] = [...tolerations];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const tolerated = tolerations.some(
      (t) =>
        (t['key'] === key || (t['key'] === undefined && t['operator'] === 'Exists')) &&
        (t['effect'] === undefined || t['effect'] === 'NoExecute'),
    );
    if (!tolerated) next.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec['tolerations'] = next;
}

/** Guaranteed when every container has equal cpu/memory requests and limits, BestEffort when none has any. */
function qosClass(spec: JsonObject): string {
  const containers = Array.isArray(spec['containers']) ? spec['containers'].filter(isObject) : [];
  const resources = containers.map((c) => (isObject(c['resources']) ? c['resources'] : {}));
  const has = (r: JsonObject, part: string) => isObject(r[part]) && Object.keys(r[part]).length > 0;
  if (resources.every((r) => !has(r, 'requests') && !has(r, 'limits'))) return 'BestEffort';
  const guaranteed = resources.every((r) => {
    const limits = isObject(r['limits']) ? r['limits'] : {};
    const requests = isObject(r['requests']) ? r['requests'] : {};
    return ['cpu', 'memory'].every((k) => limits[k] !== undefined && (requests[k] === undefined || requests[k] === limits[k]));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
