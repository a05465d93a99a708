import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from '../cluster/cluster-client';
import { JsonObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { controllerOf, splitKey } from './owner-references';

const PODS = typeKeyOf('', 'pods');

/**
 * The simulated node: a Pod stays Pending for workloadReadyDelayMs, then runs and is Ready;
 * a Pod that should run to completion (restartPolicy Never/OnFailure, owned by a Job) succeeds.
 */
export class Kubelet implements Controller {
  readonly name = 'kubelet';
  private readonly client: ClusterClient;

  constructor(api: ApiServer, private readonly readyDelayMs: number) {
    this.client = new ClusterClient(api, 'kubelet');
  }

  keysFor(event: StoreEvent): string[] {
    return event.typeKey === PODS && event.type === 'ADDED' ? [`${String(event.object.metadata['namespace'])}/${event.object.metadata.name}`] : [];
  }

  reconcile(key: string): number | void {
    const [namespace, name] = splitKey(key);
    const pod = this.client.get('v1', 'Pod', namespace, name);
    if (!pod || pod.metadata['deletionTimestamp']) return;
    const status = isObject(pod['status']) ? pod['status'] : {};
    if (status['phase'] !== 'Pending') return;
    const age = Date.now() - Date.parse(String(pod.metadata['creationTimestamp']));
    if (age < this.readyDelayMs) return this.readyDelayMs - age;
    const spec = isObject(pod['spec']) ? pod['spec'] : {};
    const completes = controllerOf(pod)?.['kind'] === 'Job' || spec['restartPolicy'] === 'Never';
    const now = timestamp();
    const containers = Array.isArray(spec['containers']) ? spec['containers'].filter(isObject) : [];
    const ready = completes ? 'False' : 'True';
    const next: JsonObject = {
      ...status,
      phase: completes ? 'Succeeded' : 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: type === 'Ready' || type === 'ContainersReady' ? ready : 'True',
        lastProbeTime: null,
        lastTransitionTime: now,
      })),
      hostIP: '10.0.0.10',
      podIP: `10.244.0.${(Math.floor(Math.random() * 250) + 2).toString()}`,
      startTime: now,
      containerStatuses: containers.map((c): JsonObject => ({
        name: c['name'] ?? null,
        ready: !completes,
        restartCount: 0,
        image: c['image'] ?? null,
        imageID: '',
        started: !completes,
        state: completes ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } } : { running: { startedAt: now } },
      })),
    };
    this.client.update({ ...pod, status: next }, 'status');
  }
}
