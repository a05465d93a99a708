import { canonicalJson } from './canonical-json';
import { sha256Hex } from './digest';

/**
 * Announced by an agent in Hello: it takes a TargetSet as a delta on the one it holds
 * (`base_checksum`, `kept_bundles`; docs/protocol.md "TargetSet deltas"). A fleet commit
 * usually changes one bundle of the tens a cluster runs; sent whole, every cluster's TargetSet
 * carried all of them again.
 */
export const TARGET_SET_DELTAS_CAPABILITY = 'target-set-deltas/v1';

/** The canonical JSON of a TargetSet's targets: sorted by bundle, each as `textOf` gives it (canonicalJson unless known). */
export function targetSetJsonOf<T extends { bundle: string }>(
  targets: readonly T[],
  textOf: (target: T) => string = canonicalJson,
): string {
  const texts = (isSortedByBundle(targets) ? targets : sortedByBundle(targets)).map(textOf);
  if (texts.length === 0) return '[]';
  // The brackets joined in with the texts: one flat string, where `[${…}]` around the joined
  // texts is a second string that hashing copies flat again (6 KB a cluster of ten bundles).
  texts[0] = `[${texts[0]}`;
  texts[texts.length - 1] += ']';
  return texts.join(',');
}

/** docs/protocol.md: hex SHA-256 of the canonical JSON of the targets (sorted by bundle, keys sorted, no whitespace). */
export function targetSetChecksumOf<T extends { bundle: string }>(targets: readonly T[], textOf?: (target: T) => string): string {
  return sha256Hex(targetSetJsonOf(targets, textOf));
}

/** Targets in the order a TargetSet holds, sends and stores them: by bundle (UTF-16 code units). */
export function sortedByBundle<T extends { bundle: string }>(targets: readonly T[]): T[] {
  return [...targets].sort((a, b) => (a.bundle < b.bundle ? -1 : a.bundle > b.bundle ? 1 : 0));
}

function isSortedByBundle(targets: readonly { bundle: string }[]): boolean {
  for (let i = 1; i < targets.length; i++) if (!(targets[i - 1].bundle < targets[i].bundle)) return false;
  return true;
}

/** A TargetSet as the wire carries it: whole, or (baseChecksum set) a delta. */
export interface TargetSetMessage<T extends { bundle: string }> {
  revision: string;
  checksum: string;
  targets: T[];
  baseChecksum: string;
  keptBundles: string[];
}

/** A delta that cannot be applied to what the agent holds; the message says why. */
export class TargetSetDeltaError extends Error {
  override readonly name = 'TargetSetDeltaError';
}

/**
 * The whole TargetSet a received one stands for. A whole one is itself. A delta is its targets
 * and, from `held`, those of its kept bundles, checked against its checksum: a delta built on
 * another base, naming a bundle the base lacks or giving a bundle twice, or whose result is not
 * the TargetSet the hub computed, throws TargetSetDeltaError and nothing is taken.
 */
export function wholeTargetSet<T extends { bundle: string }, S extends TargetSetMessage<T>>(
  held: S | undefined,
  received: S,
  /** `checksum: false` skips the check of the result (the bench's fake agents, but a sample of them). */
  { checksum: check = true }: { checksum?: boolean } = {},
): S {
  if (received.baseChecksum === '') return received;
  if (held === undefined) throw new TargetSetDeltaError(`a delta on ${received.baseChecksum.slice(0, 12)} came, and no TargetSet is held`);
  if (held.checksum !== received.baseChecksum)
    throw new TargetSetDeltaError(
      `a delta on ${received.baseChecksum.slice(0, 12)} came, and the TargetSet held is ${held.checksum.slice(0, 12) || 'without a checksum'}`,
    );
  const heldByBundle = new Map(held.targets.map((t) => [t.bundle, t]));
  const targets = new Map(received.targets.map((t) => [t.bundle, t]));
  if (targets.size !== received.targets.length) throw new TargetSetDeltaError('the delta names a bundle twice');
  for (const bundle of received.keptBundles) {
    const kept = heldByBundle.get(bundle);
    if (kept === undefined)
      throw new TargetSetDeltaError(`the delta keeps bundle ${JSON.stringify(bundle)}, which the TargetSet held lacks`);
    if (targets.has(bundle)) throw new TargetSetDeltaError(`the delta both keeps and changes bundle ${JSON.stringify(bundle)}`);
    targets.set(bundle, kept);
  }
  const whole = sortedByBundle([...targets.values()]);
  const checksum = check ? targetSetChecksumOf(whole) : received.checksum;
  if (checksum !== received.checksum)
    throw new TargetSetDeltaError(
      `the delta gives a TargetSet of checksum ${checksum.slice(0, 12)}, not ${received.checksum.slice(0, 12)}`,
    );
  return { ...received, targets: whole, baseChecksum: '', keptBundles: [] };
}
