import { describe, healthy, numberField, progressing, record, stringField, type HealthAssessment, type KubeObjectLike } from './assessment';

/** Follows `kubectl rollout status statefulset`: ready pods, then the partition, then the revisions. */
export function statefulSetHealth(statefulSet: KubeObjectLike): HealthAssessment {
  const name = describe(statefulSet);
  const spec = record(statefulSet.spec);
  const status = record(statefulSet.status);
  const wanted = numberField(spec.replicas, 1);
  const ready = numberField(status.readyReplicas);
  const updated = numberField(status.updatedReplicas);
  const strategy = record(spec.updateStrategy);

  if (ready < wanted) return progressing(`${name}: ${ready} of ${wanted} pods ready`);
  // OnDelete leaves old pods until someone deletes them: there is no rollout to wait for.
  if (strategy.type === 'OnDelete') return healthy(`${name}: ${ready} of ${wanted} pods ready (updateStrategy OnDelete)`);

  const partition = numberField(record(strategy.rollingUpdate).partition);
  if (partition > 0) {
    const toUpdate = Math.max(wanted - partition, 0);
    if (updated < toUpdate) return progressing(`${name}: ${updated} of ${toUpdate} pods above partition ${partition} updated`);
    return healthy(`${name}: partitioned rollout complete (${updated} pods updated, partition ${partition})`);
  }
  const updateRevision = stringField(status.updateRevision);
  const currentRevision = stringField(status.currentRevision);
  if (updateRevision !== undefined && currentRevision !== undefined && updateRevision !== currentRevision) {
    return progressing(`${name}: ${updated} of ${wanted} pods at revision ${updateRevision}`);
  }
  return healthy(`${name}: ${ready} of ${wanted} pods ready`);
}
