import type { TargetSyncResult } from '../model/change-set';
import { pruneObjects } from './prune';
import type { TargetSyncDeps } from './target-sync';

/**
 * The effect of a target leaving the TargetSet (documented in agent/README.md): with prune
 * on in the policy it was last applied with, its inventory's objects are deleted in reverse
 * apply order (opt-out annotation and objects another bundle took over are left) and then the
 * inventory; with prune off only the inventory goes — the objects stay, orphaned, labels and all.
 */
export async function removeTarget(bundle: string, deps: TargetSyncDeps, revision: string): Promise<TargetSyncResult | undefined> {
  const inventory = await deps.inventory.load(bundle);
  if (!inventory) return undefined;
  const startedAt = new Date();
  let changes: TargetSyncResult['changes'] = [];
  if (inventory.prune) {
    const pruned = await pruneObjects(deps.client, deps.live, bundle, inventory.objects, []);
    changes = pruned.entries;
    if (pruned.kept.length > 0) {
      await deps.inventory.save({ ...inventory, objects: pruned.kept });
    } else {
      await deps.inventory.remove(bundle);
    }
  } else {
    await deps.inventory.remove(bundle);
  }
  deps.logger.info(
    { bundle, prune: inventory.prune, deleted: changes.filter((c) => c.action === 'deleted').length },
    'target removed from the TargetSet',
  );
  const failed = changes.filter((c) => c.action === 'failed');
  return {
    bundle,
    commit: '',
    targetSetRevision: revision,
    phase: failed.length > 0 ? 'failed' : 'synced',
    message: inventory.prune
      ? `target removed: its objects were deleted${failed.length > 0 ? `, ${failed.length} could not be` : ''}`
      : 'target removed: its objects were left in place (prune off)',
    changes,
    observedAt: new Date(),
    reason: 'sync',
    syncStartedAt: startedAt,
  };
}
