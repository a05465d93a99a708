import { rememberBundleTarget, type TargetSpec } from './target-set';

/** Bodies kept parsed; the oldest are let go past this (a body is one bundle target at one commit). */
const KEPT_BODIES = 4_096;

/**
 * Target bodies (`target_body`: a target without its values, stored once under the SHA-256 of
 * its text) as read back, parsed once and shared: each cluster's target read from the database
 * is its body's object with the cluster's values, as a TargetBuilder builds them, so that a
 * body's wire bytes are encoded once for every cluster (bundleTargetOf) and its text parsed once.
 * Reading a TargetSet's targets whole (each body joined and sent back for every cluster) took
 * 2.5 s for 5,000 clusters of ten bundles where its rows and the distinct bodies take a fraction
 * of that (docs/scale-rounds.md, twenty-third round). A body's id names its content, so what is
 * kept is never stale.
 */
export class TargetBodies {
  /** Body id → the bundle target it is (empty values), in the order they were first read. */
  private readonly bodies = new Map<string, TargetSpec>();

  /**
   * The bundle targets of these body ids: those kept, and the others read (`read` gives their
   * jsonb, parsed) and kept from now on. Each is the same object for every cluster.
   */
  async of(
    ids: Iterable<string>,
    read: (ids: string[]) => Promise<{ id: string; target: Omit<TargetSpec, 'values'> }[]>,
  ): Promise<Map<string, TargetSpec>> {
    const found = new Map<string, TargetSpec>();
    const missing: string[] = [];
    for (const id of ids) {
      if (found.has(id)) continue;
      const body = this.bodies.get(id);
      if (body === undefined) missing.push(id);
      else found.set(id, body);
    }
    if (missing.length === 0) return found;
    for (const { id, target } of await read([...new Set(missing)])) {
      const bundleTarget: TargetSpec = { ...target, values: {} };
      rememberBundleTarget(bundleTarget);
      this.bodies.set(id, bundleTarget);
      found.set(id, bundleTarget);
    }
    for (const id of this.bodies.keys()) {
      if (this.bodies.size <= KEPT_BODIES) break;
      this.bodies.delete(id);
    }
    return found;
  }
}
