import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from './cluster-client';
import { JsonObject, KubeObject, clone, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { isOwnedBy, keyOf, ownerKeysOfKind, splitKey } from './owner-references';
import { podFromTemplate } from './pod-factory';

const JOBS = typeKeyOf('batch', 'jobs');

const phaseOf = (p: KubeObject) => (isObject(p['status']) ? p['status']['phase'] : undefined);
const restartsOf = (p: KubeObject) => {
  const statuses =
    isObject(p['status']) && Array.isArray(p['status']['containerStatuses']) ? p['status']['containerStatuses'].filter(isObject) : [];
  return statuses.reduce((n, c) => n + Number(c['restartCount'] ?? 0), 0);
};

/**
 * Jobs: up to `parallelism` Pods at a time until `completions` succeeded (Complete); failed
 * Pods are replaced after the controller's back-off (10 s doubling, in spec seconds) until
 * more than `backoffLimit` failed — or, with restartPolicy OnFailure, the restarts reach it —
 * then Failed/BackoffLimitExceeded; activeDeadlineSeconds ends it with DeadlineExceeded.
 */
export class JobController implements Controller {
  readonly name = 'job';
  private readonly client: ClusterClient;

  constructor(
    api: ApiServer,
    private readonly specSecondMs: number,
  ) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === JOBS) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    return event.object.kind === 'Pod' ? ownerKeysOfKind(event, 'Job') : [];
  }

  reconcile(key: string): number | void {
    const [namespace, name] = splitKey(key);
    const job = this.client.get('batch/v1', 'Job', namespace, name);
    if (!job || job.metadata['deletionTimestamp']) return;
    const spec = job['spec'] as JsonObject;
    const status = isObject(job['status']) ? job['status'] : {};
    if (spec['suspend'] === true || Array.isArray(status['conditions'])) return;
    const completions = Number(spec['completions'] ?? 1);
    const parallelism = Number(spec['parallelism'] ?? 1);
    const backoffLimit = Number(spec['backoffLimit'] ?? 6);
    const pods = this.client.list('v1', 'Pod', namespace, (p) => isOwnedBy(p, job) && !p.metadata['deletionTimestamp']);
    const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
    const failedPods = pods.filter((p) => phaseOf(p) === 'Failed');
    const active = pods.filter((p) => phaseOf(p) !== 'Succeeded' && phaseOf(p) !== 'Failed');
    const failed = failedPods.length;
    const now = timestamp();
    const next: JsonObject = { ...status, startTime: status['startTime'] ?? now };
    const finish = (type: string, reason?: string, message?: string) => {
      for (const pod of active) this.client.delete(pod);
      delete next['active'];
      delete next['ready'];
      next['conditions'] = [
        { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, ...(reason ? { reason, message: message ?? '' } : {}) },
      ];
      if (type === 'Complete') next['completionTime'] = now;
    };
    if (succeeded > 0) next['succeeded'] = succeeded;
    if (failed > 0) next['failed'] = failed;

    const deadline = spec['activeDeadlineSeconds'];
    const activeFor = (Date.now() - Date.parse(String(next['startTime']))) / this.specSecondMs;
    let recheckMs: number | undefined;
    if (succeeded >= completions) finish('Complete');
    else if (failed > backoffLimit || pastBackoffLimitOnFailure(spec, active, backoffLimit)) {
      finish('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    } else if (typeof deadline === 'number' && activeFor >= deadline) {
      finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
    } else {
      const wanted = Math.min(parallelism, completions - succeeded) - active.length;
      const waitMs = failed > 0 ? this.backOffRemainingMs(failedPods) : 0;
      if (wanted > 0 && waitMs > 0) recheckMs = waitMs;
      let running = active.length;
      for (let i = 0; i < wanted && waitMs <= 0; i++) {
        const template = clone(spec['template'] as JsonObject);
        if (this.client.create(podFromTemplate(job, template, undefined, { 'job-name': name }))) running++;
        else recheckMs = 1000;
      }
      if (running > 0) next['active'] = running;
      else delete next['active'];
      next['ready'] = 0;
      if (typeof deadline === 'number')
        recheckMs = Math.min(recheckMs ?? Infinity, Math.max(1, (deadline - activeFor) * this.specSecondMs));
    }
    if (JSON.stringify(next) !== JSON.stringify(status)) this.client.update({ ...job, status: next }, 'status');
    return recheckMs;
  }

  /** The controller waits 10 s · 2^(failures-1) after the latest failure before a new Pod. */
  private backOffRemainingMs(failedPods: KubeObject[]): number {
    const latest = Math.max(...failedPods.map((p) => Date.parse(String(p.metadata['creationTimestamp']))));
    const backOffMs = Math.min(360, 10 * 2 ** (failedPods.length - 1)) * this.specSecondMs;
    return latest + backOffMs - Date.now();
  }
}

/** With restartPolicy OnFailure, container restarts of active Pods count against the limit. */
function pastBackoffLimitOnFailure(spec: JsonObject, active: KubeObject[], backoffLimit: number): boolean {
  const template = isObject(spec['template']) ? spec['template'] : {};
  if (!isObject(template['spec']) || template['spec']['restartPolicy'] !== 'OnFailure') return false;
  const restarts = active.reduce((n, p) => n + restartsOf(p), 0);
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}
