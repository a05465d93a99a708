import { formatRef, type ObjectRef } from '../model/object-ref';
import { inventoryKey } from '../inventory/inventory';

/**
 * Which bundles declare which objects, as last rendered in this agent. An object that two
 * bundles declare is contested: neither applies it and both report it FAILED naming the
 * other, until one of them drops it — never a fight over the object.
 */
export class Claims {
  private readonly byBundle = new Map<string, Set<string>>();
  private readonly byKey = new Map<string, Set<string>>();

  /**
   * Replaces what a bundle declares. Returns the other bundles whose contested set this
   * changes: they must sync again to report (or clear) the conflict.
   */
  declare(bundle: string, refs: readonly ObjectRef[]): string[] {
    const before = this.byBundle.get(bundle) ?? new Set<string>();
    const after = new Set(refs.map(inventoryKey));
    const touched = new Set<string>();
    for (const key of before) {
      if (after.has(key)) continue;
      const holders = this.byKey.get(key);
      holders?.delete(bundle);
      if (holders?.size === 0) this.byKey.delete(key);
      for (const other of holders ?? []) touched.add(other);
    }
    for (const key of after) {
      if (before.has(key)) continue;
      const holders = this.byKey.get(key) ?? new Set<string>();
      for (const other of holders) touched.add(other);
      holders.add(bundle);
      this.byKey.set(key, holders);
    }
    if (after.size > 0) this.byBundle.set(bundle, after);
    else this.byBundle.delete(bundle);
    touched.delete(bundle);
    return [...touched].sort();
  }

  /** Bundles other than this one that declare the object. */
  others(bundle: string, ref: ObjectRef): string[] {
    return [...(this.byKey.get(inventoryKey(ref)) ?? [])].filter((b) => b !== bundle).sort();
  }

  forget(bundle: string): string[] {
    return this.declare(bundle, []);
  }
}

export function conflictMessage(ref: ObjectRef, others: readonly string[]): string {
  const names = others.map((b) => `"${b}"`).join(', ');
  return `${formatRef(ref)} conflict: also declared by bundle ${names}; not applied by either until one of them drops it`;
}
