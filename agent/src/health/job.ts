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

export function jobHealth(job: KubeObjectLike): HealthAssessment {
  const name = describe(job);
  for (const type of ['Failed', 'FailureTarget']) {
    const failed = findCondition(job, type);
    if (failed?.status === 'True') return degraded(`${name}: ${conditionText(failed) || 'failed'}`);
  }
  const complete = findCondition(job, 'Complete');
  if (complete?.status === 'True') return healthy(`${name}: complete`);
  if (record(job.spec).suspend === true || findCondition(job, 'Suspended')?.status === 'True') {
    return suspended(`${name}: suspended`);
  }
  const status = record(job.status);
  return progressing(
    `${name}: ${numberField(status.active)} active, ${numberField(status.succeeded)} succeeded, ${numberField(status.failed)} failed`,
  );
}
