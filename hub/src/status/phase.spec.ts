import { describe, expect, it } from 'vitest';
import { derivePhase } from './phase';

const DESIRED = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

describe('derivePhase', () => {
  it('is pending until the desired commit is reported', () => {
    expect(derivePhase({ connected: true, desiredCommit: DESIRED, reported: null })).toEqual({ phase: 'pending', lastKnownPhase: 'pending' });
    expect(derivePhase({ connected: true, desiredCommit: DESIRED, reported: { commit: OLD, phase: 'synced' } })).toEqual({
      phase: 'pending',
      lastKnownPhase: 'pending',
    });
  });

  it('is what the agent reported for the desired commit while connected', () => {
    for (const phase of ['progressing', 'synced', 'failed'] as const) {
      expect(derivePhase({ connected: true, desiredCommit: DESIRED, reported: { commit: DESIRED, phase } })).toEqual({ phase, lastKnownPhase: phase });
    }
  });

  it('never shows a disconnected cluster as synced: unknown, keeping the last known phase', () => {
    expect(derivePhase({ connected: false, desiredCommit: DESIRED, reported: { commit: DESIRED, phase: 'synced' } })).toEqual({
      phase: 'unknown',
      lastKnownPhase: 'synced',
    });
    expect(derivePhase({ connected: false, desiredCommit: DESIRED, reported: null })).toEqual({ phase: 'unknown', lastKnownPhase: 'pending' });
  });
});
