import { describe, healthy, record, suspended, type HealthAssessment, type KubeObjectLike } from './assessment';

/** A CronJob itself only schedules; the Jobs it creates carry their own health. */
export function cronJobHealth(cronJob: KubeObjectLike): HealthAssessment {
  if (record(cronJob.spec).suspend === true) return suspended(`${describe(cronJob)}: suspended`);
  return healthy();
}
