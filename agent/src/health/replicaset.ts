import {
  conditionText,
  degraded,
  describe,
  findCondition,
  healthy,
  numberField,
  progressing,
  record,
  type HealthAssessment,
  type KubeObjectLike,
} from './assessment';

export function replicaSetHealth(replicaSet: KubeObjectLike): HealthAssessment {
  const name = describe(replicaSet);
  const failure = findCondition(replicaSet, 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(`${name}: ${conditionText(failure) || 'ReplicaFailure'}`);
  const wanted = numberField(record(replicaSet.spec).replicas, 1);
  const available = numberField(record(replicaSet.status).availableReplicas);
  if (available < wanted) return progressing(`${name}: ${available} of ${wanted} replicas available`);
  return healthy(`${name}: ${available} of ${wanted} replicas available`);
}
