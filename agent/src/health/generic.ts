import {
  conditionText,
  degraded,
  describe,
  findCondition,
  healthy,
  progressing,
  record,
  type HealthAssessment,
  type KubeObjectLike,
} from './assessment';

/**
 * Any kind without its own rule: custom resources and plain data kinds. Like Argo CD, an
 * object with no status and no conditions is Healthy — ConfigMaps, Secrets, RBAC and
 * ServiceAccounts have nothing to wait for, and Unknown would keep every bundle unsettled.
 * Custom resources are read through the conventions most controllers follow: a `Ready`
 * condition, kstatus' `Stalled`/`Reconciling`, and `status.observedGeneration`.
 */
export function genericHealth(object: KubeObjectLike): HealthAssessment {
  const name = describe(object);
  const observed = record(object.status).observedGeneration;
  const generation = object.metadata.generation;
  if (typeof observed === 'number' && typeof generation === 'number' && observed < generation) {
    return progressing(`${name}: waiting for the controller to observe generation ${generation}`);
  }
  const stalled = findCondition(object, 'Stalled');
  if (stalled?.status === 'True') return degraded(`${name}: ${conditionText(stalled) || 'stalled'}`);
  const ready = findCondition(object, 'Ready');
  if (ready?.status === 'False') return degraded(`${name}: ${conditionText(ready) || 'not ready'}`);
  const reconciling = findCondition(object, 'Reconciling');
  if (reconciling?.status === 'True') return progressing(`${name}: ${conditionText(reconciling) || 'reconciling'}`);
  if (ready === undefined || ready.status === 'True') return healthy(ready ? conditionText(ready) : '');
  return progressing(`${name}: ${conditionText(ready) || 'readiness unknown'}`);
}
