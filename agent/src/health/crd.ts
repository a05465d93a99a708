import {
  conditionText,
  degraded,
  describe,
  findCondition,
  healthy,
  progressing,
  type HealthAssessment,
  type KubeObjectLike,
} from './assessment';

export function customResourceDefinitionHealth(crd: KubeObjectLike): HealthAssessment {
  const name = describe(crd);
  const terminating = findCondition(crd, 'Terminating');
  if (terminating?.status === 'True') return progressing(`${name}: ${conditionText(terminating) || 'terminating'}`);
  const names = findCondition(crd, 'NamesAccepted');
  if (names?.status === 'False') return degraded(`${name}: ${conditionText(names) || 'names not accepted'}`);
  const established = findCondition(crd, 'Established');
  if (established?.status === 'True') return healthy();
  return progressing(`${name}: not yet established${established ? `: ${conditionText(established)}` : ''}`);
}
