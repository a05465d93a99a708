import type { ApiServer } from '../api/api-server';
import { ClusterClient } from '../cluster/cluster-client';
import { JsonObject, KubeObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { isOwnedBy, isPodReady, keyOf, ownerKeysOfKind, splitKey } from './owner-references';
import { podFromTemplate, templateHash } from './pod-factory';

/**
 * StatefulSets (Pods name-0 … name-N-1) and DaemonSets (one Pod: the simulator has one
 * node): keep the Pods and report readiness the way their controllers do.
 */
abstract class PodSetController implements Controller {
  abstract readonly name: string;
  protected readonly client: ClusterClient;

  constructor(api: ApiServer, private readonly kind: 'StatefulSet' | 'DaemonSet') {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === typeKeyOf('apps', this.kind === 'StatefulSet' ? 'statefulsets' : 'daemonsets')) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    return event.object.kind === 'Pod' ? ownerKeysOfKind(event, this.kind) : [];
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const owner = this.client.get('apps/v1', this.kind, namespace, name);
    if (!owner || owner.metadata['deletionTimestamp']) return;
    const spec = owner['spec'] as JsonObject;
    const wanted = this.podNames(owner);
    const pods = this.client.list('v1', 'Pod', namespace).filter((p) => isOwnedBy(p, owner) && !p.metadata['deletionTimestamp']);
    const revision = `${name}-${templateHash(spec['template'])}`;
    wanted.forEach((podName, i) => {
      if (pods.length > i && (podName === undefined || pods.some((p) => p.metadata.name === podName))) return;
      const labels: Record<string, string> = this.kind === 'StatefulSet' ? { 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': String(podName) } : { 'controller-revision-hash': revision };
      this.client.create(podFromTemplate(owner, spec['template'] as JsonObject, podName, labels));
    });
    for (const extra of pods.slice(wanted.length)) this.client.delete(extra);
    const live = this.client.list('v1', 'Pod', namespace).filter((p) => isOwnedBy(p, owner) && !p.metadata['deletionTimestamp']);
    const status = this.status(owner, live.length, live.filter(isPodReady).length, revision);
    if (JSON.stringify(status) !== JSON.stringify(isObject(owner['status']) ? owner['status'] : {})) this.client.update({ ...owner, status }, 'status');
  }

  protected abstract podNames(owner: KubeObject): (string | undefined)[];
  protected abstract status(owner: KubeObject, pods: number, ready: number, revision: string): JsonObject;
}

export class StatefulSetController extends PodSetController {
  readonly name = 'statefulset';

  constructor(api: ApiServer) {
    super(api, 'StatefulSet');
  }

  protected podNames(owner: KubeObject): string[] {
    const replicas = Number((owner['spec'] as JsonObject)['replicas'] ?? 1);
    return Array.from({ length: replicas }, (_, i) => `${owner.metadata.name}-${i}`);
  }

  protected status(owner: KubeObject, pods: number, ready: number, revision: string): JsonObject {
    const status: JsonObject = { observedGeneration: Number(owner.metadata['generation'] ?? 1), replicas: pods, currentReplicas: pods, updatedReplicas: pods, currentRevision: revision, updateRevision: revision, collisionCount: 0 };
    if (ready > 0) Object.assign(status, { readyReplicas: ready, availableReplicas: ready });
    else status['availableReplicas'] = 0;
    return status;
  }
}

export class DaemonSetController extends PodSetController {
  readonly name = 'daemonset';

  constructor(api: ApiServer) {
    super(api, 'DaemonSet');
  }

  protected podNames(): undefined[] {
    return [undefined];
  }

  protected status(owner: KubeObject, pods: number, ready: number): JsonObject {
    const status: JsonObject = { currentNumberScheduled: pods, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: ready, observedGeneration: Number(owner.metadata['generation'] ?? 1), updatedNumberScheduled: pods };
    if (ready > 0) status['numberAvailable'] = ready;
    else status['numberUnavailable'] = 1;
    return status;
  }
}
