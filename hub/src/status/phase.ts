import type { Connectivity } from '../clusters/connectivity';
import type { HealthName, ReportedPhase } from './report';

/** The phase of one bundle on one cluster as the API shows it. */
export type BundlePhase = 'pending' | 'rolling-out' | 'synced' | 'failed' | 'paused' | 'suspended' | 'waiting' | 'unknown';

export const BUNDLE_PHASES: readonly BundlePhase[] = [
  'pending',
  'rolling-out',
  'synced',
  'failed',
  'paused',
  'suspended',
  'waiting',
  'unknown',
];

/** Health as the API shows it: the report's roll-up, or unknown. */
export type BundleHealth = Exclude<HealthName, 'unspecified'>;

/** Where the cluster stands in the bundle's rollout, when the bundle has one. */
export type RolloutPosition = 'admitted' | 'waiting' | 'paused' | null;

export interface PhaseInput {
  /** Connected and active (approved, not revoked). */
  reachable: boolean;
  /** Commit the cluster's TargetSet asks for. */
  targetCommit: string;
  rollout: RolloutPosition;
  /** The newest report for the bundle, if any. */
  reported: { commit: string; phase: ReportedPhase; health: HealthName } | null;
}

export interface DerivedPhase {
  phase: BundlePhase;
  health: BundleHealth;
  /** What phase and health were when the cluster was last heard from; equal to them while reachable. */
  lastKnownPhase: Exclude<BundlePhase, 'unknown'>;
  lastKnownHealth: BundleHealth;
}

const FROM_REPORT: Record<ReportedPhase, Exclude<BundlePhase, 'unknown'>> = {
  progressing: 'rolling-out',
  synced: 'synced',
  failed: 'failed',
  suspended: 'suspended',
  waiting: 'waiting',
};

/**
 * A cluster not yet admitted to a bundle's rollout is pending (paused when the rollout is
 * paused or halted). A report about another commit than the target's says nothing about the
 * target: pending. A cluster that is not reachable is never shown as synced or healthy:
 * unknown, with the last known phase and health kept.
 */
export function derivePhase(input: PhaseInput): DerivedPhase {
  const { reported } = input;
  let lastKnownPhase: Exclude<BundlePhase, 'unknown'>;
  if (input.rollout === 'paused') lastKnownPhase = 'paused';
  else if (input.rollout === 'waiting') lastKnownPhase = 'pending';
  else if (reported === null || reported.commit !== input.targetCommit) lastKnownPhase = 'pending';
  else lastKnownPhase = FROM_REPORT[reported.phase];
  const lastKnownHealth: BundleHealth = reported === null || reported.health === 'unspecified' ? 'unknown' : reported.health;
  return input.reachable
    ? { phase: lastKnownPhase, health: lastKnownHealth, lastKnownPhase, lastKnownHealth }
    : { phase: 'unknown', health: 'unknown', lastKnownPhase, lastKnownHealth };
}

/**
 * What a placement must have to be in `phase` — a necessary condition, so that a filter by
 * phase can leave rows out while reading them: reachable or not, and the reported phases it can
 * come from (absent: any report, or none).
 */
export function phaseNeeds(phase: BundlePhase): { reachable: boolean; reported?: ReportedPhase[] } {
  if (phase === 'unknown') return { reachable: false };
  const reported = (Object.keys(FROM_REPORT) as ReportedPhase[]).filter((p) => FROM_REPORT[p] === phase);
  return reported.length === 0 ? { reachable: true } : { reachable: true, reported };
}

export function isReachable(cluster: { state: string }, connectivity: Connectivity): boolean {
  return cluster.state === 'active' && connectivity === 'connected';
}
