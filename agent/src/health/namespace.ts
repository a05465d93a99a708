import { describe, healthy, progressing, record, unknown, type HealthAssessment, type KubeObjectLike } from './assessment';

export function namespaceHealth(namespace: KubeObjectLike): HealthAssessment {
  const phase = record(namespace.status).phase;
  if (phase === undefined || phase === 'Active') return healthy();
  if (phase === 'Terminating') return progressing(`${describe(namespace)}: terminating`);
  return unknown(`${describe(namespace)}: unexpected phase ${JSON.stringify(phase)}`);
}
