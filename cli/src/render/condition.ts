import type { ClusterBundle } from '../api';
import type { Paint, Style } from './colour';

/** A bundle on a cluster as the hub words it ("synced · progressing"), in its tone's colour: green only when synced and healthy. */

type Condition = ClusterBundle['condition'];

const TONE_STYLES: Record<Condition['tone'], Style> = {
  ok: 'green',
  busy: 'cyan',
  waiting: 'yellow',
  bad: 'red',
  held: 'magenta',
  unknown: 'grey',
};

export function paintCondition(condition: Condition, paint: Paint): string {
  return paint(TONE_STYLES[condition.tone], condition.text);
}

/** Wrong as far as exit codes go: failed, degraded or missing, or unknown (the cluster is unreachable). */
export function isProblem(condition: Condition): boolean {
  return condition.tone === 'bad' || condition.tone === 'unknown';
}

/** "3 synced, 1 synced · degraded": placements counted by their words, each in its colour, best first. */
export function conditionCounts(conditions: readonly Condition[], paint: Paint): string {
  const order: Condition['tone'][] = ['ok', 'busy', 'waiting', 'held', 'bad', 'unknown'];
  const counts = new Map<string, { condition: Condition; n: number }>();
  for (const c of [...conditions].sort((a, b) => order.indexOf(a.tone) - order.indexOf(b.tone))) {
    const seen = counts.get(c.text);
    if (seen === undefined) counts.set(c.text, { condition: c, n: 1 });
    else seen.n++;
  }
  if (counts.size === 0) return 'none';
  return [...counts.values()].map(({ condition, n }) => paintCondition({ ...condition, text: `${n} ${condition.text}` }, paint)).join(', ');
}
