import {
  conditionText,
  degraded,
  describe,
  findCondition,
  healthy,
  numberField,
  progressing,
  record,
  suspended,
  type HealthAssessment,
  type KubeObjectLike,
} from './assessment';

/** A Deployment is Healthy once every replica runs the newest template and is available (as `kubectl rollout status`). */
export function deploymentHealth(deployment: KubeObjectLike): HealthAssessment {
  const spec = record(deployment.spec);
  const status = record(deployment.status);
  const name = describe(deployment);
  if (spec.paused === true) return suspended(`${name}: rollout is paused`);

  const failure = findCondition(deployment, 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(`${name}: ${conditionText(failure) || 'ReplicaFailure'}`);
  const progress = findCondition(deployment, 'Progressing');
  if (progress?.status === 'False' && progress.reason === 'ProgressDeadlineExceeded') {
    return degraded(`${name}: ${conditionText(progress)}`);
  }

  const wanted = numberField(spec.replicas, 1);
  const current = numberField(status.replicas);
  const updated = numberField(status.updatedReplicas);
  const available = numberField(status.availableReplicas);
  if (updated < wanted) {
    return progressing(`${name}: ${updated} of ${wanted} replicas updated`);
  }
  if (current > updated) {
    return progressing(`${name}: ${current - updated} old replicas pending termination`);
  }
  if (available < updated) {
    return progressing(`${name}: ${available} of ${updated} updated replicas available`);
  }
  return healthy(`${name}: ${available} of ${wanted} replicas available`);
}
