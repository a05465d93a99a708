import { JsonObject, isObject, objectAt } from '../json-value';
import { defaultPodTemplate, objectsIn, setDefault } from './pod-defaults';

/** Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and CronJob defaults (apps/v1, batch/v1). */

function specOf(object: JsonObject): JsonObject {
  return objectAt(object, 'spec');
}

export function defaultDeployment(object: JsonObject): void {
  const spec = specOf(object);
  setDefault(spec, 'replicas', 1);
  const strategy = objectAt(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = objectAt(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(objectAt(spec, 'template'));
}

export function defaultReplicaSet(object: JsonObject): void {
  const spec = specOf(object);
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(objectAt(spec, 'template'));
}

export function defaultStatefulSet(object: JsonObject): void {
  const spec = specOf(object);
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = objectAt(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') setDefault(objectAt(strategy, 'rollingUpdate'), 'partition', 0);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(objectAt(spec, 'template'));
  for (const claim of objectsIn(spec, 'volumeClaimTemplates')) {
    setDefault(claim, 'apiVersion', 'v1');
    setDefault(claim, 'kind', 'PersistentVolumeClaim');
    const metadata = objectAt(claim, 'metadata');
    if (!('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null;
    setDefault(objectAt(claim, 'spec'), 'volumeMode', 'Filesystem');
    setDefault(objectAt(claim, 'status'), 'phase', 'Pending');
  }
}

export function defaultDaemonSet(object: JsonObject): void {
  const spec = specOf(object);
  const strategy = objectAt(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = objectAt(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', 1);
    setDefault(rolling, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(objectAt(spec, 'template'));
}

/** A Job's generated selector and labels come from the strategy on create; `uid` is set by then. */
export function defaultJob(object: JsonObject): void {
  const spec = specOf(object);
  const metadata = object['metadata'] as JsonObject;
  if (spec['completions'] === undefined && spec['parallelism'] === undefined) spec['completions'] = 1;
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const uid = String(metadata['uid'] ?? '');
  const template = objectAt(spec, 'template');
  if (uid && spec['manualSelector'] !== true) {
    // The generated selector joins any the manifest gave (which validation then refuses).
    setDefault(objectAt(objectAt(spec, 'selector'), 'matchLabels'), 'controller-uid', uid);
    const labels = objectAt(objectAt(template, 'metadata'), 'labels');
    setDefault(labels, 'controller-uid', uid);
    setDefault(labels, 'job-name', String(metadata['name'] ?? ''));
  }
  const templateLabels = isObject(template['metadata']) ? template['metadata']['labels'] : undefined;
  if (isObject(templateLabels) && (!isObject(metadata['labels']) || Object.keys(metadata['labels']).length === 0))
    metadata['labels'] = { ...templateLabels };
  defaultPodTemplate(template);
}

export function defaultCronJob(object: JsonObject): void {
  const spec = specOf(object);
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  // CronJobTimeZone is an alpha feature, off in v1.24: the field is dropped.
  delete spec['timeZone'];
  const jobTemplate = objectAt(spec, 'jobTemplate');
  const metadata = objectAt(jobTemplate, 'metadata');
  if (!('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null;
  defaultPodTemplate(objectAt(objectAt(jobTemplate, 'spec'), 'template'));
}
