import { degraded, describe, healthy, progressing, record, type HealthAssessment, type KubeObjectLike } from './assessment';

export function persistentVolumeClaimHealth(claim: KubeObjectLike): HealthAssessment {
  const phase = record(claim.status).phase;
  const name = describe(claim);
  if (phase === 'Bound') return healthy(`${name}: bound`);
  if (phase === 'Lost') return degraded(`${name}: Lost: the bound volume no longer exists`);
  return progressing(`${name}: ${typeof phase === 'string' ? phase : 'Pending'}`);
}
