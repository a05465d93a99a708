import type { ApiServer } from '../api/api-server';
import { ClusterClient } from './cluster-client';
import { KubeObject, isObject } from '../json-value';
import { typeKeyOf, type StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { keyOf, splitKey } from './owner-references';

const CLAIMS = typeKeyOf('', 'persistentvolumeclaims');
const PROTECTION = 'kubernetes.io/pvc-protection';

function claimsOf(pod: KubeObject): string[] {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const volumes = Array.isArray(spec['volumes']) ? spec['volumes'].filter(isObject) : [];
  return volumes.flatMap((v) => (isObject(v['persistentVolumeClaim']) ? [String(v['persistentVolumeClaim']['claimName'])] : []));
}

/** A claim being deleted keeps its protection finalizer until no Pod uses it. */
export class PvcProtectionController implements Controller {
  readonly name = 'pvc-protection';
  private readonly client: ClusterClient;

  constructor(api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === CLAIMS)
      return event.type !== 'DELETED' && event.object.metadata['deletionTimestamp'] ? [keyOf(event.object)] : [];
    if (event.object.kind !== 'Pod' || (event.type !== 'DELETED' && !event.object.metadata['deletionTimestamp'])) return [];
    const namespace = String(event.object.metadata['namespace'] ?? '');
    return claimsOf(event.object).map((claim) => `${namespace}/${claim}`);
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const claim = this.client.get('v1', 'PersistentVolumeClaim', namespace, name);
    const finalizers = claim && Array.isArray(claim.metadata['finalizers']) ? claim.metadata['finalizers'] : [];
    if (!claim || !claim.metadata['deletionTimestamp'] || !finalizers.includes(PROTECTION)) return;
    const inUse = this.client.list('v1', 'Pod', namespace, (p) => !p.metadata['deletionTimestamp'] && claimsOf(p).includes(name));
    if (inUse.length > 0) return;
    this.client.update({ ...claim, metadata: { ...claim.metadata, finalizers: finalizers.filter((f) => f !== PROTECTION) } });
  }
}
