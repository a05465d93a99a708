import type { TargetSpec } from '../placement/target-set';
import type { CurrentTargetSet } from '../placement/target-set-store';

/** A TargetSet as a session sends it: whole (no `baseChecksum`), or a delta on what the agent holds. */
export interface OutgoingTargetSet {
  revision: string;
  checksum: string;
  targets: readonly TargetSpec[];
  baseChecksum?: string;
  keptBundles?: readonly string[];
}

/** The TargetSet an agent is known to hold: sent on its stream, or named by its Hello. */
export interface HeldByAgent {
  revision: bigint;
  checksum: string;
}

/**
 * What to send an agent that takes deltas (docs/protocol.md "TargetSet deltas") and holds
 * `held`: the targets changed since, and the bundles it keeps. A bundle whose target last
 * changed at or before the revision held is the same in both; any other is sent. Whole when
 * nothing is kept (or nothing is known to be held). The agent checks the result against the
 * checksum, so a bundle revision that is wrong costs a new stream, never a wrong TargetSet.
 */
export function targetSetFor(targetSet: CurrentTargetSet, held: HeldByAgent | undefined): OutgoingTargetSet {
  if (held === undefined || held.checksum === '') return targetSet;
  const heldRevision = held.revision.toString();
  const changed: TargetSpec[] = [];
  const kept: string[] = [];
  for (const target of targetSet.targets) {
    const since = targetSet.bundleRevisions[target.bundle];
    if (since !== undefined && decimalAtMost(since, heldRevision)) kept.push(target.bundle);
    else changed.push(target);
  }
  if (kept.length === 0) return targetSet;
  return { revision: targetSet.revision, checksum: targetSet.checksum, targets: changed, baseChecksum: held.checksum, keptBundles: kept };
}

/** a ≤ b for decimal strings without leading zeros (revisions); false for anything else. */
function decimalAtMost(a: string, b: string): boolean {
  if (!/^(0|[1-9]\d*)$/.test(a)) return false;
  return a.length < b.length || (a.length === b.length && a <= b);
}
