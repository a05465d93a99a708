import type { HaltCause, RolloutState } from '../rollout/rollout-plan';
import type { FleetEventDraft } from './fleet-event';

export interface RolloutTransitionInput {
  bundle: string;
  commit: string;
  revision: string;
  previous: { revision: string; state: RolloutState; halt: HaltCause | null } | undefined;
  next: { state: RolloutState; halt: HaltCause | null };
}

/** A rollout starts with a new revision, halts on a new failure cause, completes once. */
export function rolloutTransitions({ bundle, commit, revision, previous, next }: RolloutTransitionInput): FleetEventDraft[] {
  const base = { bundle, commit, cluster: null };
  const at = `${bundle}@${commit.slice(0, 12)}`;
  const fresh = previous === undefined || previous.revision !== revision;
  const events: FleetEventDraft[] = [];
  if (fresh)
    events.push({ ...base, type: 'rollout.started', severity: 'info', message: `rollout of ${at} started`, details: { revision } });
  const halt = next.halt;
  if (halt !== null && halt.reason === 'failure' && (fresh || previous?.halt?.message !== halt.message)) {
    events.push({
      ...base,
      cluster: halt.cluster,
      type: 'rollout.halted',
      severity: 'error',
      message: `rollout of ${at} halted: ${halt.message}`,
      details: { revision, resource: halt.resource },
    });
  }
  if (next.state === 'done' && (fresh || previous?.state !== 'done')) {
    events.push({ ...base, type: 'rollout.completed', severity: 'info', message: `rollout of ${at} completed`, details: { revision } });
  }
  return events;
}
