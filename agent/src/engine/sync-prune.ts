import type { Target } from '#proto';
import { inventoryKey } from '../inventory/inventory';
import type { ObjectOutcome } from '../kube/apply-object';
import type { ChangeSetEntry } from '../model/change-set';
import type { ObjectRef } from '../model/object-ref';
import type { DesiredObject } from '../model/desired-object';
import { orderForApply } from './order';
import { pruneObjects } from './prune';
import type { Validated } from './sync-validate';
import type { TargetSyncDeps } from './target-sync';

/**
 * Prune, only when everything applied (contested objects aside) and the policy asks for it;
 * then save the inventory. What Git dropped without prune is orphaned, not deleted. After a
 * failure the inventory keeps what it had plus what this sync wrote, so that nothing written
 * escapes a later prune.
 */
export async function pruneAndRecord(
  target: Target,
  validated: Validated,
  outcomes: readonly ObjectOutcome[],
  deps: TargetSyncDeps,
): Promise<ChangeSetEntry[]> {
  const { objects, conflicts } = validated;
  const previous = await deps.inventory.load(target.bundle);
  const contested = new Set([...conflicts.keys()].map((o) => o.ref));
  const failed = outcomes.some((o) => o.entry.action === 'failed' && !contested.has(o.entry.ref));
  const pruned: ChangeSetEntry[] = [];
  let inventoryRefs: ObjectRef[];
  if (!failed && previous && target.syncPolicy?.prune) {
    const outcome = await pruneObjects(
      deps.client,
      deps.live,
      target.bundle,
      previous.objects,
      objects.map((o) => o.ref),
    );
    pruned.push(...outcome.entries);
    inventoryRefs = mergeRefs(orderedRefs(objects), outcome.kept);
  } else if (!failed) {
    inventoryRefs = orderedRefs(objects);
  } else {
    const written = outcomes.filter((o) => o.entry.action !== 'failed' && o.entry.action !== 'skipped').map((o) => o.entry.ref);
    inventoryRefs = mergeRefs(previous?.objects ?? [], written);
  }
  await deps.inventory.save({ bundle: target.bundle, prune: target.syncPolicy?.prune ?? false, objects: inventoryRefs });
  return pruned;
}

/** The desired set in apply order: what the inventory keeps (prune walks it backwards). */
function orderedRefs(objects: readonly DesiredObject[]): ObjectRef[] {
  return orderForApply(objects)
    .flat()
    .map((o) => o.ref);
}

function mergeRefs(first: readonly ObjectRef[], then: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Set(first.map(inventoryKey));
  return [...first, ...then.filter((ref) => !seen.has(inventoryKey(ref)))];
}
