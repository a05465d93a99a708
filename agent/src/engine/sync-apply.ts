import type { InSyncMark } from '../drift/drift-monitor';
import { inventoryKey } from '../inventory/inventory';
import { applyIfChanged, dryRunObject, objectFingerprint, type ObjectOutcome } from '../kube/apply-object';
import { mapConcurrently } from './concurrency';
import { waitForCrdsEstablished } from '../kube/crd-wait';
import type { DesiredObject } from '../model/desired-object';
import { isCrd, isDefinition, orderForApply } from './order';
import { dryRunDeferred, type Validated } from './sync-validate';
import type { TargetSyncDeps } from './target-sync';

export interface Applied {
  /** One per desired object (contested ones FAILED, those after a failed stage SKIPPED). */
  outcomes: ObjectOutcome[];
  /** Objects known to be in sync now (written ones as the API answered), as fingerprints. */
  inSync: InSyncMark[];
}

/**
 * Apply in stages (order.ts): definitions first, then each sync wave; an object whose dry-run
 * equals live is UNCHANGED and not written. Before the first stage that is not definitions,
 * the objects that could not be dry-run earlier are; a failure there stops everything after
 * it, as does a failed stage.
 */
export async function applyInStages(validated: Validated, deps: TargetSyncDeps): Promise<Applied> {
  const { objects, conflicts, dryRuns } = validated;
  const outcomes: ObjectOutcome[] = [...conflicts.entries()].map(([object, error]) => ({
    entry: { ref: object.ref, action: 'failed', error },
    transient: false,
  }));
  const inSync: InSyncMark[] = [];
  let stopped = false;
  const stages = orderForApply(objects.filter((o) => !conflicts.has(o)));
  for (const [index, stage] of stages.entries()) {
    if (stopped) {
      outcomes.push(...stage.map((o) => skipped(o, 'an earlier stage failed')));
      continue;
    }
    if (index > 0 || !stage.some(isDefinition)) {
      const rest = stages.slice(index).flat();
      const late = await dryRunDeferred(rest, dryRuns, deps);
      if (late.length > 0) {
        const failedRefs = new Set(late.map((o) => o.entry.ref));
        outcomes.push(...late, ...rest.filter((o) => !failedRefs.has(o.ref)).map((o) => skipped(o, 'bundle failed validation')));
        stopped = true;
        continue;
      }
    }
    const applied = await mapConcurrently(stage, deps.concurrency, async (object): Promise<ObjectOutcome> => {
      let dry = dryRuns.take(object);
      if (!dry) {
        const late = await dryRunObject(deps.client, object);
        if (!late.ok) return late.outcome;
        dry = { fingerprint: objectFingerprint(late.object) };
      }
      const live = deps.live.fingerprint(object.ref);
      const outcome = await applyIfChanged(deps.client, object, dry.fingerprint, live);
      if (outcome.written) deps.live.recordWrite(outcome.written);
      const good = outcome.written ? objectFingerprint(outcome.written) : outcome.entry.action === 'unchanged' ? live : undefined;
      if (good !== undefined) inSync.push({ key: inventoryKey(object.ref), live: good, desired: object.fingerprint });
      return { entry: outcome.entry, transient: outcome.transient, ...(outcome.error ? { error: outcome.error } : {}) };
    });
    outcomes.push(...applied);
    const crds = stage.filter((o, i) => isCrd(o.object) && applied[i].entry.action !== 'failed').map((o) => o.ref);
    const notReady = await waitForCrdsEstablished(deps.live, crds, deps.crdWait);
    if (notReady.length > 0) deps.logger.warn({ crds: notReady }, 'CustomResourceDefinitions not Established in time');
    stopped = applied.some((o) => o.entry.action === 'failed');
  }
  return { outcomes, inSync };
}

function skipped(object: DesiredObject, reason: string): ObjectOutcome {
  return { entry: { ref: object.ref, action: 'skipped', reason }, transient: false };
}
