import type { HeldTargetSet } from './target-set-store';

/** A TargetSet's head as stored: revision, checksum, bundle digests and revisions (no targets). */
export type HeldHead = Omit<HeldTargetSet, 'targets'>;

/**
 * Each cluster's stored TargetSet head as this replica last wrote or read it. A placement pass
 * reads only each cluster's revision and checksum and takes the rest from here where both are as
 * remembered: reading and parsing the whole heads of 10,000 clusters of ten bundles (their digests
 * and revisions, about 9 MB of JSON) took 80–120 ms, their revisions and checksums 20–30 ms
 * (docs/scale-rounds.md, twenty-third round).
 *
 * Never stale in what it gives: every write of a TargetSet's targets gives it a new revision, so
 * a head another replica wrote does not match the one remembered and is read whole. A row without
 * digests is never taken from here (it is read whole, and placement writes them).
 */
export class HeldHeads {
  private heads = new Map<string, HeldHead>();

  /** The head remembered for the cluster, if the stored one is still at this revision and checksum. */
  get(clusterId: string, revision: string, checksum: string): HeldHead | undefined {
    const head = this.heads.get(clusterId);
    return head !== undefined && head.revision === revision && head.checksum === checksum ? head : undefined;
  }

  /** A head as just written or read (one computed from targets for a row without digests is not kept). */
  remember(head: HeldHead): void {
    if (head.digestsMissing) this.heads.delete(head.id);
    else this.heads.set(head.id, head);
  }

  forget(clusterId: string): void {
    this.heads.delete(clusterId);
  }

  /** After a read of every cluster's head: only those clusters are remembered (the others are gone). */
  keepOnly(clusterIds: ReadonlySet<string>): void {
    for (const id of this.heads.keys()) if (!clusterIds.has(id)) this.heads.delete(id);
  }
}
