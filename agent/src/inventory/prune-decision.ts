import type { ObjectRef } from '../model/object-ref';
import { inventoryKey } from './inventory';

/** The prune opt-out: an object carrying it is never deleted by the agent. */
export const PRUNE_ANNOTATION = 'gitfleet.io/prune';
export const PRUNE_DISABLED = 'disabled';

/** What prune needs to know of a live object. */
export interface LiveFacts {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface PruneDecision {
  /** Delete these, in this order (the reverse of apply order). */
  remove: ObjectRef[];
  /** Leave these and say why; they leave the inventory. */
  skip: { ref: ObjectRef; reason: string }[];
  /** In the old inventory, gone from the cluster already: nothing to do. */
  gone: ObjectRef[];
}

/**
 * The one place that decides what prune deletes: what the old inventory has and the desired
 * set lacks, in reverse order. Nothing outside the old inventory can ever be chosen; an
 * object with the opt-out annotation, or that another bundle has since taken over, is
 * skipped with the reason.
 */
export function decidePrune(
  oldInventory: readonly ObjectRef[],
  desired: readonly ObjectRef[],
  bundle: string,
  bundleLabel: string,
  live: (ref: ObjectRef) => LiveFacts | undefined,
): PruneDecision {
  const wanted = new Set(desired.map(inventoryKey));
  const decision: PruneDecision = { remove: [], skip: [], gone: [] };
  for (const ref of [...oldInventory].reverse()) {
    if (wanted.has(inventoryKey(ref))) continue;
    const facts = live(ref);
    if (!facts) {
      decision.gone.push(ref);
    } else if (facts.annotations?.[PRUNE_ANNOTATION] === PRUNE_DISABLED) {
      decision.skip.push({ ref, reason: `not pruned: annotation ${PRUNE_ANNOTATION}=${PRUNE_DISABLED}; no longer managed` });
    } else if (facts.labels?.[bundleLabel] !== undefined && facts.labels[bundleLabel] !== bundle) {
      decision.skip.push({ ref, reason: `not pruned: now belongs to bundle "${facts.labels[bundleLabel]}"` });
    } else {
      decision.remove.push(ref);
    }
  }
  return decision;
}
