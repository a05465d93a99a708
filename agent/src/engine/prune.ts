import type { KubernetesObject } from '@kubernetes/client-node';
import type { LiveCache } from '../kube/live-cache';
import { decidePrune, type LiveFacts } from '../inventory/prune-decision';
import { describeFailure } from '../kube/api-error';
import type { ChangeSetEntry } from '../model/change-set';
import type { ObjectRef } from '../model/object-ref';
import type { ObjectClient } from '../kube/object-client';
import { BUNDLE_LABEL } from './prepare';

export interface PruneOutcome {
  entries: ChangeSetEntry[];
  /** Objects that could not be deleted: they stay in the inventory for the next try. */
  kept: ObjectRef[];
}

/**
 * Deletes (propagation Background) what the old inventory has and the desired set lacks, in
 * reverse apply order, one at a time; the decision itself is decidePrune's.
 */
export async function pruneObjects(
  client: ObjectClient,
  live: LiveCache,
  bundle: string,
  oldInventory: readonly ObjectRef[],
  desired: readonly ObjectRef[],
): Promise<PruneOutcome> {
  const facts = new Map<ObjectRef, LiveFacts | undefined>();
  for (const ref of oldInventory) facts.set(ref, await liveFacts(client, live, ref));
  const decision = decidePrune(oldInventory, desired, bundle, BUNDLE_LABEL, (ref) => facts.get(ref));
  const entries: ChangeSetEntry[] = decision.skip.map(({ ref, reason }) => ({ ref, action: 'skipped', reason }));
  const kept: ObjectRef[] = [];
  for (const ref of decision.remove) {
    try {
      await client.deleteInBackground(ref);
      entries.push({ ref, action: 'deleted' });
    } catch (error) {
      entries.push({ ref, action: 'failed', error: describeFailure(ref, 'delete', error) });
      kept.push(ref);
    }
  }
  return { entries, kept };
}

/** Labels and annotations of a live object: from the live cache when its kind is watched, else read. */
async function liveFacts(client: ObjectClient, live: LiveCache, ref: ObjectRef): Promise<LiveFacts | undefined> {
  let object: KubernetesObject | undefined;
  if (live.has(ref.apiVersion, ref.kind)) object = live.get(ref);
  if (!object) {
    if (!(await client.serves(ref.apiVersion, ref.kind))) return undefined; // its CRD is gone, so is it
    object = await client.readIfExists(ref);
  }
  if (!object) return undefined;
  return { annotations: object.metadata?.annotations ?? {}, labels: object.metadata?.labels ?? {} };
}
