import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from '../cluster/cluster-client';
import { JsonObject, isObject } from '../json-value';
import { typeKeyOf, StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { isOwnedBy, keyOf, ownerKeysOfKind, splitKey } from './owner-references';
import { podFromTemplate } from './pod-factory';

const JOBS = typeKeyOf('batch', 'jobs');

/** Jobs: run one Pod at a time until `completions` Pods succeeded, then mark Complete. */
export class JobController implements Controller {
  readonly name = 'job';
  private readonly client: ClusterClient;

  constructor(api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === JOBS) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    return event.object.kind === 'Pod' ? ownerKeysOfKind(event, 'Job') : [];
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const job = this.client.get('batch/v1', 'Job', namespace, name);
    if (!job || job.metadata['deletionTimestamp']) return;
    const spec = job['spec'] as JsonObject;
    const status = isObject(job['status']) ? job['status'] : {};
    if (spec['suspend'] === true || Array.isArray(status['conditions'])) return;
    const completions = Number(spec['completions'] ?? 1);
    const pods = this.client.list('v1', 'Pod', namespace).filter((p) => isOwnedBy(p, job));
    const phase = (p: (typeof pods)[number]) => (isObject(p['status']) ? p['status']['phase'] : undefined);
    const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
    let active = pods.filter((p) => phase(p) === 'Pending' || phase(p) === 'Running').length;
    if (succeeded + active < completions && active === 0) {
      const template = clone(spec['template'] as JsonObject);
      if (this.client.create(podFromTemplate(job, template, undefined, { 'job-name': name }))) active++;
    }
    const now = timestamp();
    const next: JsonObject = { ...status, startTime: status['startTime'] ?? now };
    if (active > 0) next['active'] = active;
    else delete next['active'];
    if (succeeded > 0) next['succeeded'] = succeeded;
    next['ready'] = 0;
    if (succeeded >= completions) {
      next['completionTime'] = now;
      next['conditions'] = [{ type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now }];
      delete next['ready'];
    }
    if (JSON.stringify(next) !== JSON.stringify(status)) this.client.update({ ...job, status: next }, 'status');
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
