import type { ReportedPhase } from './report';

/** The phase of one bundle on one cluster as the API shows it. */
export type BundlePhase = 'pending' | 'progressing' | 'synced' | 'failed' | 'unknown';

export const BUNDLE_PHASES: readonly BundlePhase[] = ['pending', 'progressing', 'synced', 'failed', 'unknown'];

export interface PhaseInput {
  connected: boolean;
  /** Commit the cluster should run for this bundle. */
  desiredCommit: string;
  /** The newest report for the bundle, if any. */
  reported: { commit: string; phase: ReportedPhase } | null;
}

export interface DerivedPhase {
  phase: BundlePhase;
  /** What the phase was when the cluster was last heard from; equals phase while connected. */
  lastKnownPhase: Exclude<BundlePhase, 'unknown'>;
}

/**
 * A report about an older commit says nothing about the desired one: pending. A cluster that
 * is not connected is never shown as synced or healthy: unknown, with the last known phase kept.
 */
export function derivePhase(input: PhaseInput): DerivedPhase {
  const lastKnownPhase =
    input.reported === null || input.reported.commit !== input.desiredCommit ? 'pending' : input.reported.phase;
  return { phase: input.connected ? lastKnownPhase : 'unknown', lastKnownPhase };
}
