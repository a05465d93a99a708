import { z } from 'zod';
import type { BundleHealth, BundlePhase } from './status';

/**
 * A bundle on a cluster in one word and one colour, for people: phase and health are two
 * facts (applied; and whether what was applied works), so a bundle can be "synced ·
 * progressing" or "synced · degraded". The tone is never ok unless the bundle is synced and
 * healthy on a reachable cluster (an unreachable cluster's phase is unknown).
 */
export const Tone = z.enum(['ok', 'busy', 'waiting', 'bad', 'held', 'unknown']);
export type Tone = z.infer<typeof Tone>;

export const Condition = z.strictObject({
  tone: Tone.describe(
    'ok: synced and healthy; busy: rolling out or progressing; waiting: pending; bad: failed, degraded or missing; held: paused or suspended; unknown',
  ),
  text: z.string().describe('phase and health in words: "synced", "synced · progressing", "failed · degraded", "unknown"'),
});
export type Condition = z.infer<typeof Condition>;

export function toneOf(phase: BundlePhase, health: BundleHealth): Tone {
  if (phase === 'unknown') return 'unknown';
  if (phase === 'failed' || health === 'degraded' || health === 'missing') return 'bad';
  if (phase === 'paused' || phase === 'suspended' || health === 'suspended') return 'held';
  if (phase === 'rolling-out' || (phase === 'synced' && health === 'progressing')) return 'busy';
  if (phase === 'pending' || phase === 'waiting') return 'waiting';
  if (phase === 'synced' && health === 'healthy') return 'ok';
  return 'unknown';
}

/** Phases in which the health is that of what ran before, not of what is on its way. */
const NOT_THERE_YET: readonly BundlePhase[] = ['pending', 'waiting', 'paused'];

/**
 * "synced", "synced · degraded", "rolling out", "pending": the health is named whenever it adds
 * something — always when it is bad; not while the bundle waits for its new commit, whose
 * health is not known yet.
 */
export function conditionText(phase: BundlePhase, health: BundleHealth): string {
  const words = phase.replace('-', ' ');
  const bad = health === 'degraded' || health === 'missing';
  const obvious =
    (phase === 'synced' && health === 'healthy') ||
    phase === 'unknown' ||
    (health === 'unknown' && phase !== 'synced') ||
    (NOT_THERE_YET.includes(phase) && !bad);
  return obvious ? words : `${words} · ${health}`;
}

export function conditionOf(phase: BundlePhase, health: BundleHealth): Condition {
  return { tone: toneOf(phase, health), text: conditionText(phase, health) };
}
