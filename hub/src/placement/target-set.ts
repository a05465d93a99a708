import { createHash } from 'node:crypto';
import { Target } from '#proto';
import type { BundleSpec } from '../fleet-repo/fleet-format';
import { selectorMatches } from './label-selector';

/**
 * One target as the hub stores it and sends it: the proto `Target` with every field filled
 * (built with Target.fromPartial), which is also what the checksum is computed over.
 */
export type TargetSpec = Target;

/** The fleet commit being placed: where agents fetch manifests from. */
export interface FleetRevision {
  repoUrl: string;
  commit: string;
}

export interface PlacedCluster {
  labels: Record<string, string>;
}

/** The targets of one cluster: every bundle one of whose targets selects it, sorted by bundle. */
export function targetsFor(cluster: PlacedCluster, bundles: BundleSpec[], fleet: FleetRevision): TargetSpec[] {
  const values = Object.fromEntries(
    Object.entries(cluster.labels).map(([key, value]) => [`cluster.labels.${key}`, value]),
  );
  return bundles
    .filter((bundle) => bundle.targets.some((t) => selectorMatches(t.clusterSelector, cluster.labels)))
    .map((bundle) =>
      Target.fromPartial({
        bundle: bundle.name,
        source: { repoUrl: fleet.repoUrl, commit: fleet.commit, path: bundle.sourcePath },
        defaultNamespace: bundle.namespace,
        syncPolicy: { prune: bundle.syncPolicy.prune, selfHeal: bundle.syncPolicy.selfHeal },
        values,
      }),
    )
    .sort((a, b) => compare(a.bundle, b.bundle));
}

/** docs/protocol.md: hex SHA-256 of the canonical JSON of the targets (sorted by bundle, keys sorted, no whitespace). */
export function targetSetChecksum(targets: TargetSpec[]): string {
  const sorted = [...targets].sort((a, b) => compare(a.bundle, b.bundle));
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

/** JSON with object keys sorted (by code unit) at every depth and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compare(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
