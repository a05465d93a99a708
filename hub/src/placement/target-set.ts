import { createHash } from 'node:crypto';
import { canonicalJson, type BundlePolicy } from '#core';
import { stringify } from 'yaml';
import { RenderKind, Target, type KustomizePatch, type SourceArtifact } from '#proto';
import type { BundleSpec, BundleTarget, ClusterGroupSpec, KustomizePatchSpec, RenderKindSpec } from '../fleet-repo/fleet-format';
import { selectorMatches } from './label-selector';

/**
 * One target as the hub stores it and sends it: the proto `Target` with every field filled
 * (built with Target.fromPartial), which is also what the checksum is computed over.
 */
export type TargetSpec = Target;

export interface PlacedCluster {
  name: string;
  labels: Record<string, string>;
}

/** The whole fleet being placed: bundles of every fleet repository (sources resolved) and their groups. */
export interface PlacedFleet {
  bundles: BundleSpec[];
  groups: ClusterGroupSpec[];
}

/**
 * The targets of one cluster: every bundle one of whose targets selects it, sorted by bundle.
 * The first target that selects the cluster wins: its overrides apply, later ones are ignored.
 */
export function targetsFor(cluster: PlacedCluster, fleet: PlacedFleet): TargetSpec[] {
  const targets: TargetSpec[] = [];
  for (const bundle of fleet.bundles) {
    const target = bundle.targets.find((t) => targetSelects(t, cluster, fleet.groups));
    if (target !== undefined) targets.push(targetOf(bundle, target, cluster));
  }
  return targets.sort((a, b) => compare(a.bundle, b.bundle));
}

/** Whether a cluster belongs to a group; an unknown group holds no cluster. */
export function clusterInGroup(cluster: { labels: Record<string, string> }, group: string, groups: ClusterGroupSpec[]): boolean {
  const spec = groups.find((g) => g.name === group);
  return spec !== undefined && selectorMatches(spec.selector, cluster.labels);
}

/** Whether one target (or rollout partition) of a bundle selects a cluster. */
export function targetSelects(
  target: Pick<BundleTarget, 'clusterSelector' | 'clusterGroup'>,
  cluster: { labels: Record<string, string> },
  groups: ClusterGroupSpec[],
): boolean {
  if (target.clusterSelector !== undefined) return selectorMatches(target.clusterSelector, cluster.labels);
  if (target.clusterGroup !== undefined) return clusterInGroup(cluster, target.clusterGroup, groups);
  return false;
}

function targetOf(bundle: BundleSpec, target: BundleTarget, cluster: PlacedCluster): TargetSpec {
  const values: Record<string, string> = { 'cluster.name': cluster.name };
  for (const [key, value] of Object.entries(cluster.labels)) values[`cluster.labels.${key}`] = value;
  Object.assign(values, target.overrides.values ?? {});
  const helmValues = deepMerge(bundle.render.helmValues, target.overrides.helmValues ?? {});
  const patches = [...bundle.render.kustomizePatches, ...(target.overrides.kustomizePatches ?? [])];
  return Target.fromPartial({
    bundle: bundle.name,
    source: { repoUrl: bundle.source.repoUrl, commit: bundle.source.commit, path: bundle.source.path },
    defaultNamespace: bundle.namespace,
    syncPolicy: { prune: bundle.syncPolicy.prune, selfHeal: bundle.syncPolicy.selfHeal || bundle.syncPolicy.drift === 'correct' },
    values,
    render: {
      kind: RENDER_KIND[bundle.render.kind],
      helmReleaseName: bundle.render.helmReleaseName ?? '',
      helmValuesYaml: Object.keys(helmValues).length === 0 ? '' : stringify(helmValues, { sortMapEntries: true }),
      kustomizePatches: patches.map(kustomizePatch),
    },
    dependsOn: [...bundle.dependsOn].sort(compare),
    suspend: bundle.suspend,
    ...(bundle.source.artifact ? { artifact: artifactOf(bundle.source.artifact) } : {}),
  });
}

function artifactOf(artifact: NonNullable<BundleSpec['source']['artifact']>): SourceArtifact {
  return { digest: artifact.digest, size: String(artifact.size), compressedSize: String(artifact.compressedSize) };
}

const RENDER_KIND: Record<RenderKindSpec, RenderKind> = {
  raw: RenderKind.RENDER_KIND_RAW,
  kustomize: RenderKind.RENDER_KIND_KUSTOMIZE,
  helm: RenderKind.RENDER_KIND_HELM,
};

function kustomizePatch(patch: KustomizePatchSpec): KustomizePatch {
  return {
    patch: patch.patch,
    targetKind: patch.target?.kind ?? '',
    targetName: patch.target?.name ?? '',
    targetNamespace: patch.target?.namespace ?? '',
    targetLabelSelector: patch.target?.labelSelector ?? '',
  };
}

/** Helm's rule: maps merge key by key, anything else (lists included) is replaced by the override. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isPlainMap(current) && isPlainMap(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Each target with the policy its fleet repository's operator set now (FLEET_REPOS[].policy),
 * whatever commit, pin or held revision it comes from: a policy change re-syncs every target
 * of the repository. A target of a repository without a policy carries none (the agent's default).
 */
export function withPolicies(
  targets: TargetSpec[],
  fleetRepoOf: (bundle: string) => string | undefined,
  policyOf: (fleetRepo: string) => BundlePolicy | undefined,
): TargetSpec[] {
  return targets.map((target) => {
    const repo = fleetRepoOf(target.bundle);
    const policy = repo === undefined ? undefined : policyOf(repo);
    const { policy: _held, ...rest } = target;
    return policy === undefined ? (rest as TargetSpec) : { ...rest, policy: { ...policy } };
  });
}

/** docs/protocol.md: hex SHA-256 of the canonical JSON of the targets (sorted by bundle, keys sorted, no whitespace). */
export function targetSetChecksum(targets: TargetSpec[]): string {
  const sorted = [...targets].sort((a, b) => compare(a.bundle, b.bundle));
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
