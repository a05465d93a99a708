import type { BundlePolicy } from '#core';
import type { ClusterGroupSpec, BundleSpec } from '../fleet-repo/fleet-format';
import { gateTargets, type RolloutGate } from '../rollout/rollout-gate';
import type { BundlePin } from '../rollout/rollout-store';
import { TargetBuilder, targetSetChecksum, targetsFor, withPolicies, type TargetSpec } from './target-set';
import type { PassDigests } from './target-digests';
import type { HeldTargetSet, PendingTargetSet } from './target-set-store';

/** A cluster as placement sees it. */
export interface PlacementCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** The fleet as placement uses it: bundles and groups of every fleet repository. */
export interface PlacementFleet {
  bundles: BundleSpec[];
  groups: ClusterGroupSpec[];
}

/** A pinned bundle and the fleet at its pinned commit (null: that commit cannot be read now). */
export interface PinnedSource {
  pin: BundlePin;
  fleet: PlacementFleet | null;
}

/** What one placement pass places every cluster against, read once for the pass. */
export interface PassInputs {
  fleet: PlacementFleet;
  /** Bundles with a rollout: who is admitted to the revision now desired. */
  gates: Map<string, RolloutGate>;
  pins: PinnedSource[];
  /** A fleet repository's policy now (FLEET_REPOS[].policy). */
  policyOf: (fleetRepo: string) => BundlePolicy | undefined;
}

/** What a pass decided for one cluster. */
export type PlacedTargetSet =
  | { changed: true; pending: PendingTargetSet }
  /** As stored; `backfill` when the stored row predates target digests (its digests, to be stored). */
  | { changed: false; backfill?: Pick<PendingTargetSet, 'clusterId' | 'checksum' | 'digests'> };

/**
 * One placement pass's computing, cluster by cluster: the targets a cluster gets (the fleet's,
 * through rollout gates, pins and its repository's policy), their checksum, and, where the
 * checksum differs from what the cluster holds, the TargetSet to write with each target's digest
 * and the revision its bundle last changed in. No I/O: PlacementService reads and writes.
 */
export class PlacementPass {
  private readonly builder: TargetBuilder;
  private readonly fleetRepoOf = new Map<string, string>();

  constructor(
    private readonly inputs: PassInputs,
    private readonly digests: Pick<PassDigests, 'digestOf' | 'keep'>,
  ) {
    for (const { pin } of inputs.pins) this.fleetRepoOf.set(pin.bundle, pin.fleetRepo);
    for (const bundle of inputs.fleet.bundles) this.fleetRepoOf.set(bundle.name, bundle.fleetRepo);
    this.builder = new TargetBuilder(inputs.fleet, (bundle) => inputs.policyOf(bundle.fleetRepo));
  }

  place(cluster: PlacementCluster, before: HeldTargetSet | undefined): PlacedTargetSet {
    const { gates, pins, policyOf } = this.inputs;
    const held = before?.targets ?? [];
    const targets = withPolicies(
      gateTargets(cluster.id, this.builder.targetsFor(cluster), held, gates, pinnedTargets(cluster, pins, held)),
      (bundle) => this.fleetRepoOf.get(bundle),
      policyOf,
    );
    const checksum = targetSetChecksum(targets, this.builder.textOf);
    if (before?.checksum === checksum) {
      this.digests.keep(targets, this.builder);
      return before.digestsMissing
        ? { changed: false, backfill: { clusterId: cluster.id, checksum, digests: before.digests } }
        : { changed: false };
    }
    const digests: Record<string, string> = {};
    for (const target of targets) digests[target.bundle] = this.digests.digestOf(target, this.builder);
    return {
      changed: true,
      pending: {
        clusterId: cluster.id,
        checksum,
        targets,
        digests,
        bundleRevisions: bundleRevisionsAfter(before, digests),
        known: this.builder,
        ...(before === undefined
          ? {}
          : {
              base: {
                revision: before.revision,
                digests: before.digests,
                bundleRevisions: before.bundle_revisions,
                digestsStored: !before.digestsMissing,
              },
            }),
      },
    };
  }
}

/** No pin: one empty map for every cluster, not one each. */
const NO_PINS: ReadonlyMap<string, TargetSpec | null> = new Map();

/** A pinned bundle's target on one cluster; when its commit cannot be read, the cluster keeps what it holds. */
function pinnedTargets(cluster: PlacementCluster, pins: PinnedSource[], held: TargetSpec[]): ReadonlyMap<string, TargetSpec | null> {
  if (pins.length === 0) return NO_PINS;
  const result = new Map<string, TargetSpec | null>();
  for (const { pin, fleet } of pins) {
    if (fleet === null) {
      result.set(pin.bundle, held.find((t) => t.bundle === pin.bundle) ?? null);
      continue;
    }
    const spec = fleet.bundles.find((b) => b.name === pin.bundle);
    const target =
      spec === undefined
        ? undefined
        : targetsFor({ name: cluster.name, labels: cluster.labels }, { bundles: [spec], groups: fleet.groups })[0];
    result.set(pin.bundle, target ?? null);
  }
  return result;
}

/**
 * Bundle → the TargetSet revision in which its target last changed, for the revision about to
 * be written (the one after `before`'s): a bundle whose target is as before (same digest)
 * keeps its revision, a new or changed one gets the new revision.
 */
export function bundleRevisionsAfter(
  before: Pick<HeldTargetSet, 'revision' | 'bundle_revisions' | 'digests'> | undefined,
  digests: Record<string, string>,
): Record<string, string> {
  const next = before === undefined ? '1' : (BigInt(before.revision) + 1n).toString();
  const revisions: Record<string, string> = {};
  for (const bundle in digests)
    revisions[bundle] =
      before !== undefined && before.digests[bundle] === digests[bundle] ? (before.bundle_revisions[bundle] ?? before.revision) : next;
  return revisions;
}
