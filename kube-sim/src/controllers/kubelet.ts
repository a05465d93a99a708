import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from './cluster-client';
import { JsonObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import type { ImageFailureMarkers } from './image-failures';
import { controllerOf, splitKey } from './owner-references';
import { kubeletReport, reportKey } from './pod-status';

const PODS = typeKeyOf('', 'pods');

export interface KubeletSettings {
  readyDelayMs: number;
  specSecondMs: number;
  markers: ImageFailureMarkers;
}

/**
 * The simulated node: a Pod stays Pending for readyDelayMs, then the kubelet reports it as
 * pod-status.ts says (Running, Succeeded, or the failure its image asks for), and reports
 * again at each back-off step of a failing Pod.
 */
export class Kubelet implements Controller {
  readonly name = 'kubelet';
  private readonly client: ClusterClient;
  /** When each live Pod (by uid) was first seen, in ms: creationTimestamp has 1 s resolution. */
  private readonly seen = new Map<string, number>();
  private nextIP = 2;

  constructor(
    api: ApiServer,
    private readonly settings: KubeletSettings,
  ) {
    this.client = new ClusterClient(api, 'kubelet');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey !== PODS) return [];
    const uid = String(event.object.metadata['uid']);
    if (event.type === 'DELETED') {
      this.seen.delete(uid);
      return [];
    }
    if (event.type === 'ADDED') this.seen.set(uid, Date.now());
    return event.type === 'ADDED' ? [`${String(event.object.metadata['namespace'])}/${event.object.metadata.name}`] : [];
  }

  reconcile(key: string): number | void {
    const [namespace, name] = splitKey(key);
    const pod = this.client.get('v1', 'Pod', namespace, name);
    if (!pod || pod.metadata['deletionTimestamp']) return;
    const status = isObject(pod['status']) ? pod['status'] : {};
    if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return;
    const uid = String(pod.metadata['uid']);
    const since = this.seen.get(uid) ?? Date.parse(String(pod.metadata['creationTimestamp']));
    const runningFor = Date.now() - since - this.settings.readyDelayMs;
    if (runningFor < 0) return -runningFor;
    const spec = isObject(pod['spec']) ? pod['spec'] : {};
    const completes = controllerOf(pod)?.['kind'] === 'Job' || spec['restartPolicy'] === 'Never';
    const podIP = typeof status['podIP'] === 'string' ? status['podIP'] : this.allocateIP();
    const report = kubeletReport(pod, {
      elapsedSeconds: runningFor / this.settings.specSecondMs,
      completes,
      markers: this.settings.markers,
      now: timestamp(),
      podIP,
    });
    if (reportKey(report.status) !== reportKey(status))
      this.client.update({ ...pod, status: { ...status, ...keepTimes(status, report.status) } }, 'status');
    if (report.changesInSeconds !== undefined) return Math.max(1, Math.ceil(report.changesInSeconds * this.settings.specSecondMs));
    this.seen.delete(uid);
  }

  private allocateIP(): string {
    const n = this.nextIP++;
    return `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }
}

/** startTime and the transition times of unchanged conditions survive a new report. */
function keepTimes(before: JsonObject, after: JsonObject): JsonObject {
  const next = { ...after };
  if (typeof before['startTime'] === 'string') next['startTime'] = before['startTime'];
  const previous = Array.isArray(before['conditions']) ? before['conditions'].filter(isObject) : [];
  if (Array.isArray(after['conditions'])) {
    next['conditions'] = after['conditions'].filter(isObject).map((c) => {
      const prior = previous.find((p) => p['type'] === c['type'] && p['status'] === c['status']);
      return prior ? { ...c, lastTransitionTime: prior['lastTransitionTime'] ?? null } : c;
    });
  }
  return next;
}
