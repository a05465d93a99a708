import type { LiveCache } from '../kube/live-cache';
import { assessHealth, type KubeObjectLike } from '../health';
import type { ChangeSetEntry, ResourceHealth } from '../model/change-set';
import type { ObjectRef } from '../model/object-ref';

/** Health of one object from the live cache (not there: Missing). */
export function healthOf(live: LiveCache, ref: ObjectRef): ResourceHealth {
  return assessHealth(live.get(ref) as KubeObjectLike | undefined);
}

/**
 * Gives every entry that is still in the cluster its health as known now, without waiting:
 * a sync reports the moment its apply and prune end. Applied and healthy are two facts; how
 * health goes on (a rollout finishing, or stalling) is reported as it changes, by the engine.
 * The live cache holds every write of the sync already (LiveCache.recordWrite), so nothing
 * just created shows as Missing.
 */
export function assessHealthNow(entries: ChangeSetEntry[], live: LiveCache): void {
  for (const entry of entries) {
    if (entry.action === 'deleted' || entry.action === 'failed') continue;
    entry.health = healthOf(live, entry.ref);
  }
}
