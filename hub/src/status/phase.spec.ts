import { describe, expect, it } from 'vitest';
import { BUNDLE_PHASES, derivePhase, phaseNeeds, type PhaseInput } from './phase';

const DESIRED = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const base: PhaseInput = { reachable: true, targetCommit: DESIRED, rollout: null, reported: null };

describe('derivePhase', () => {
  it('is pending until the target commit is reported', () => {
    expect(derivePhase(base)).toMatchObject({ phase: 'pending', health: 'unknown' });
    expect(derivePhase({ ...base, reported: { commit: OLD, phase: 'synced', health: 'healthy' } })).toMatchObject({
      phase: 'pending',
      health: 'healthy',
    });
  });

  it('is what the agent reported for the target commit while reachable', () => {
    const cases = [
      ['progressing', 'rolling-out'],
      ['synced', 'synced'],
      ['failed', 'failed'],
      ['suspended', 'suspended'],
      ['waiting', 'waiting'],
    ] as const;
    for (const [reported, shown] of cases) {
      expect(derivePhase({ ...base, reported: { commit: DESIRED, phase: reported, health: 'degraded' } })).toEqual({
        phase: shown,
        health: 'degraded',
        lastKnownPhase: shown,
        lastKnownHealth: 'degraded',
      });
    }
  });

  it('shows a cluster the rollout has not reached as pending, or paused while the rollout is', () => {
    const synced = { commit: OLD, phase: 'synced' as const, health: 'healthy' as const };
    expect(derivePhase({ ...base, targetCommit: OLD, rollout: 'waiting', reported: synced }).phase).toBe('pending');
    expect(derivePhase({ ...base, targetCommit: OLD, rollout: 'paused', reported: synced }).phase).toBe('paused');
  });

  it('never shows an unreachable cluster as synced or healthy: unknown, keeping the last known phase and health', () => {
    expect(derivePhase({ ...base, reachable: false, reported: { commit: DESIRED, phase: 'synced', health: 'healthy' } })).toEqual({
      phase: 'unknown',
      health: 'unknown',
      lastKnownPhase: 'synced',
      lastKnownHealth: 'healthy',
    });
  });
});

describe('phaseNeeds', () => {
  it('holds for every placement derivePhase puts in the phase (the list filters leave out only what can never match)', () => {
    const reportedPhases = ['progressing', 'synced', 'failed', 'suspended', 'waiting'] as const;
    const inputs: PhaseInput[] = [];
    for (const reachable of [true, false])
      for (const rollout of ['admitted', 'waiting', 'paused', null] as const)
        for (const reported of [
          null,
          ...reportedPhases.flatMap((phase) => [DESIRED, OLD].map((commit) => ({ commit, phase, health: 'healthy' as const }))),
        ])
          inputs.push({ reachable, targetCommit: DESIRED, rollout, reported });
    const seen = new Set<string>();
    for (const input of inputs) {
      const { phase } = derivePhase(input);
      seen.add(phase);
      const needs = phaseNeeds(phase);
      expect(input.reachable, `${phase} ${JSON.stringify(input)}`).toBe(needs.reachable);
      if (needs.reported !== undefined) expect(needs.reported, `${phase} ${JSON.stringify(input)}`).toContain(input.reported?.phase);
    }
    // Every phase occurs, so the property is checked for each.
    expect([...seen].sort()).toEqual([...BUNDLE_PHASES].sort());
  });
});
