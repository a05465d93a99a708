/**
 * Drops from maps kept between rollout steps (keyed by cluster id) every cluster not among
 * `present`: a cluster no longer active. Callers call it only when their counts say one is gone.
 */
export function forgetAbsent(present: readonly { id: string }[], ...maps: Map<string, unknown>[]): void {
  const ids = new Set(present.map((c) => c.id));
  for (const map of maps) for (const id of map.keys()) if (!ids.has(id)) map.delete(id);
}
