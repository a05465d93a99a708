import type { ApiServer } from '../api/api-server';
import { ClusterClient } from './cluster-client';
import { JsonObject, KubeObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { isOwnedBy, isPodReady, keyOf, ownerKeysOfKind, splitKey } from './owner-references';
import { podFromTemplate, templateHash } from './pod-factory';

const REVISION_LABEL = 'controller-revision-hash';
const revisionOfPod = (p: KubeObject) => (isObject(p.metadata['labels']) ? p.metadata['labels'][REVISION_LABEL] : undefined);

/**
 * StatefulSets (Pods name-0 … name-N-1, created in order, each once the previous is Ready,
 * unless podManagementPolicy is Parallel) and DaemonSets (one Pod: the simulator has one
 * node). A template change replaces Pods one at a time, highest ordinal first, while the
 * others are Ready — so a failing new template stalls the rollout as it would for real.
 */
abstract class PodSetController implements Controller {
  abstract readonly name: string;
  protected readonly client: ClusterClient;

  constructor(
    api: ApiServer,
    private readonly kind: 'StatefulSet' | 'DaemonSet',
  ) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === typeKeyOf('apps', this.kind === 'StatefulSet' ? 'statefulsets' : 'daemonsets'))
      return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    return event.object.kind === 'Pod' ? ownerKeysOfKind(event, this.kind) : [];
  }

  /** The Pod as it is created; StatefulSets add their claims. */
  protected podFor(_owner: KubeObject, pod: KubeObject): KubeObject {
    return pod;
  }

  reconcile(key: string): number | void {
    const [namespace, name] = splitKey(key);
    const owner = this.client.get('apps/v1', this.kind, namespace, name);
    if (!owner || owner.metadata['deletionTimestamp']) return;
    const spec = owner['spec'] as JsonObject;
    const wanted = this.podNames(owner);
    const pods = this.client.list('v1', 'Pod', namespace, (p) => isOwnedBy(p, owner) && !p.metadata['deletionTimestamp']);
    const revision = `${name}-${templateHash(spec['template'])}`;
    const ordered = this.kind === 'StatefulSet' && spec['podManagementPolicy'] !== 'Parallel';
    for (const [i, podName] of wanted.entries()) {
      const existing = podName === undefined ? pods[i] : pods.find((p) => p.metadata.name === podName);
      if (existing) {
        if (ordered && !isPodReady(existing)) break;
        continue;
      }
      const labels: Record<string, string> =
        podName !== undefined
          ? { [REVISION_LABEL]: revision, 'statefulset.kubernetes.io/pod-name': podName }
          : { [REVISION_LABEL]: revision };
      // A refused Pod (its ServiceAccount not made yet, a quota) is tried again later.
      if (!this.client.create(this.podFor(owner, podFromTemplate(owner, spec['template'] as JsonObject, podName, labels)))) return 1000;
      if (ordered) break;
    }
    const keep = new Set(wanted.filter((n): n is string => n !== undefined));
    const extra = keep.size > 0 ? pods.filter((p) => !keep.has(p.metadata.name)) : pods.slice(wanted.length);
    for (const pod of extra) this.client.delete(pod);
    if (extra.length === 0) this.replaceOutdated(pods, revision, owner);
    const status = this.status(
      owner,
      pods.filter((p) => !extra.includes(p)),
      revision,
    );
    if (JSON.stringify(status) !== JSON.stringify(isObject(owner['status']) ? owner['status'] : {}))
      this.client.update({ ...owner, status }, 'status');
  }

  /** One outdated Pod at a time (highest name first), while the strategy allows. */
  private replaceOutdated(pods: KubeObject[], revision: string, owner: KubeObject): void {
    if (!this.mayReplace(pods)) return;
    const partition = this.partition(owner);
    const outdated = pods.filter((p) => revisionOfPod(p) !== revision && ordinal(p) >= partition).sort((a, b) => ordinal(b) - ordinal(a));
    if (outdated[0]) this.client.delete(outdated[0]);
  }

  /** StatefulSets wait for every Pod to be Ready (a broken Pod blocks the rollout, as for real). */
  protected mayReplace(pods: KubeObject[]): boolean {
    return pods.every(isPodReady);
  }

  protected partition(owner: KubeObject): number {
    void owner;
    return 0;
  }

  protected abstract podNames(owner: KubeObject): (string | undefined)[];
  protected abstract status(owner: KubeObject, pods: KubeObject[], revision: string): JsonObject;
}

function ordinal(pod: KubeObject): number {
  const match = /-(\d+)$/.exec(pod.metadata.name);
  return match ? Number(match[1]) : 0;
}

export class StatefulSetController extends PodSetController {
  readonly name = 'statefulset';

  constructor(api: ApiServer) {
    super(api, 'StatefulSet');
  }

  /** Each Pod gets a claim of its own per volume claim template (`<template>-<pod>`), made if missing. */
  protected override podFor(owner: KubeObject, pod: KubeObject): KubeObject {
    const spec = owner['spec'] as JsonObject;
    const templates = Array.isArray(spec['volumeClaimTemplates']) ? spec['volumeClaimTemplates'].filter(isObject) : [];
    const podSpec = pod['spec'] as JsonObject;
    const selector = isObject(spec['selector']) && isObject(spec['selector']['matchLabels']) ? spec['selector']['matchLabels'] : {};
    for (const template of templates) {
      const templateName = String(isObject(template['metadata']) ? template['metadata']['name'] : '');
      const claimName = `${templateName}-${pod.metadata.name}`;
      const namespace = String(owner.metadata['namespace']);
      if (!this.client.get('v1', 'PersistentVolumeClaim', namespace, claimName)) {
        const metadata = isObject(template['metadata']) ? template['metadata'] : {};
        this.client.create({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: claimName, namespace, labels: { ...(isObject(metadata['labels']) ? metadata['labels'] : {}), ...selector } },
          spec: isObject(template['spec']) ? template['spec'] : {},
        });
      }
      const volumes = Array.isArray(podSpec['volumes']) ? podSpec['volumes'] : [];
      podSpec['volumes'] = [
        ...volumes.filter((v) => !(isObject(v) && v['name'] === templateName)),
        { name: templateName, persistentVolumeClaim: { claimName } },
      ];
    }
    return pod;
  }

  protected podNames(owner: KubeObject): string[] {
    const replicas = Number((owner['spec'] as JsonObject)['replicas'] ?? 1);
    return Array.from({ length: replicas }, (_, i) => `${owner.metadata.name}-${i}`);
  }

  protected override partition(owner: KubeObject): number {
    const strategy = (owner['spec'] as JsonObject)['updateStrategy'];
    if (isObject(strategy) && strategy['type'] === 'OnDelete') return Number.MAX_SAFE_INTEGER;
    const rolling = isObject(strategy) && isObject(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {};
    return Number(rolling['partition'] ?? 0);
  }

  protected status(owner: KubeObject, pods: KubeObject[], revision: string): JsonObject {
    const ready = pods.filter(isPodReady).length;
    const updated = pods.filter((p) => revisionOfPod(p) === revision).length;
    const previous = isObject(owner['status']) ? owner['status'] : {};
    const allUpdated = updated === pods.length && pods.length === Number((owner['spec'] as JsonObject)['replicas'] ?? 1);
    const currentRevision = allUpdated || typeof previous['currentRevision'] !== 'string' ? revision : previous['currentRevision'];
    const status: JsonObject = {
      observedGeneration: Number(owner.metadata['generation'] ?? 1),
      replicas: pods.length,
      currentReplicas: pods.filter((p) => revisionOfPod(p) === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
    };
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

  /** maxUnavailable 1 on a one-node cluster: the only Pod may always be replaced. */
  protected override mayReplace(): boolean {
    return true;
  }

  protected status(owner: KubeObject, pods: KubeObject[], revision: string): JsonObject {
    const ready = pods.filter(isPodReady).length;
    const status: JsonObject = {
      currentNumberScheduled: pods.length,
      numberMisscheduled: 0,
      desiredNumberScheduled: 1,
      numberReady: ready,
      observedGeneration: Number(owner.metadata['generation'] ?? 1),
      updatedNumberScheduled: pods.filter((p) => revisionOfPod(p) === revision).length,
    };
    if (ready > 0) status['numberAvailable'] = ready;
    else status['numberUnavailable'] = 1;
    return status;
  }
}
