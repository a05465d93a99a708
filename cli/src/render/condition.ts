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
export function conditionCounts(counted: readonly { condition: Condition; clusters: number }[], paint: Paint): string {
  const order: Condition['tone'][] = ['ok', 'busy', 'waiting', 'held', 'bad', 'unknown'];
  const counts = new Map<string, { condition: Condition; n: number }>();
  for (const { condition, clusters } of [...counted].sort((a, b) => order.indexOf(a.condition.tone) - order.indexOf(b.condition.tone))) {
    const seen = counts.get(condition.text);
    if (seen === undefined) counts.set(condition.text, { condition, n: clusters });
    else seen.n += clusters;
  }
  if (counts.size === 0) return 'none';
  return [...counts.values()].map(({ condition, n }) => paintCondition({ ...condition, text: `${n} ${condition.text}` }, paint)).join(', ');
}
