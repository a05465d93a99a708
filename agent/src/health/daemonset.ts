import { describe, healthy, numberField, progressing, record, type HealthAssessment, type KubeObjectLike } from './assessment';

/** Follows `kubectl rollout status daemonset`: every scheduled node runs the new template, and it is available. */
export function daemonSetHealth(daemonSet: KubeObjectLike): HealthAssessment {
  const name = describe(daemonSet);
  const status = record(daemonSet.status);
  const desired = numberField(status.desiredNumberScheduled);
  const updated = numberField(status.updatedNumberScheduled);
  const available = numberField(status.numberAvailable);
  const onDelete = record(record(daemonSet.spec).updateStrategy).type === 'OnDelete';

  if (!onDelete && updated < desired) return progressing(`${name}: ${updated} of ${desired} pods updated`);
  if (available < desired) return progressing(`${name}: ${available} of ${desired} pods available`);
  return healthy(`${name}: ${available} of ${desired} pods available${onDelete ? ' (updateStrategy OnDelete)' : ''}`);
}
