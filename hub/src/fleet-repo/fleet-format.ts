/** The v1alpha1 fleet format (docs/fleet-format.md) as the hub holds it after validation. */

export const FLEET_API_VERSION = 'gitfleet.io/v1alpha1';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
export const SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/** Kubernetes label selector semantics; `{}` selects everything. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

/** A named set of clusters, chosen by labels; bundle targets and rollout partitions refer to it. */
export interface ClusterGroupSpec {
  name: string;
  selector: LabelSelector;
}

/** A Kustomize patch as written in the fleet file; `patch` is one YAML document (text). */
export interface KustomizePatchSpec {
  patch: string;
  target?: { kind?: string; name?: string; namespace?: string; labelSelector?: string };
}

/** What a target changes for the clusters it selects. */
export interface TargetOverrides {
  /** Deep-merged over the bundle's Helm values (maps merge, everything else replaces). */
  helmValues?: Record<string, unknown>;
  /** Applied after the bundle's own patches. */
  kustomizePatches?: KustomizePatchSpec[];
  /** Extra substitution values, keys as given (e.g. "replicas" → `${replicas}`). */
  values?: Record<string, string>;
}

/** Selects clusters by exactly one of a label selector or a group name. */
export interface BundleTarget {
  name?: string;
  clusterSelector?: LabelSelector;
  clusterGroup?: string;
  overrides: TargetOverrides;
}

export interface RolloutPartitionSpec {
  name: string;
  clusterSelector?: LabelSelector;
  clusterGroup?: string;
  maxUnavailable?: number | string;
}

export interface RolloutSpec {
  /** [] → automatic partitions of `autoPartitionSize` clusters. */
  partitions: RolloutPartitionSpec[];
  /** Clusters per automatic partition: a count or a percentage such as '25%'. */
  autoPartitionSize: number | string;
  /** Per partition: a count or a percentage. */
  maxUnavailable: number | string;
  pauseOnFailure: boolean;
}

export type RenderKindSpec = 'raw' | 'kustomize' | 'helm';
export const RENDER_KINDS: readonly RenderKindSpec[] = ['raw', 'kustomize', 'helm'];

export type DriftMode = 'report' | 'correct';

export interface SyncPolicySpec {
  prune: boolean;
  /** Always true when drift is 'correct' and false when it is 'report'. */
  selfHeal: boolean;
  drift: DriftMode;
}

export interface RenderSpec {
  kind: RenderKindSpec;
  helmReleaseName?: string;
  helmValues: Record<string, unknown>;
  kustomizePatches: KustomizePatchSpec[];
}

export interface BundleSourceSpec {
  /** Without userinfo. The fleet repository's URL when the bundle names no other repository. */
  repoUrl: string;
  /** Exact 40-hex commit, filled in when the hub resolves the source ("" straight out of the parser). */
  commit: string;
  /** Same as BundleSpec.sourcePath. */
  path: string;
  /** Branch, tag or 40-hex SHA of `repoUrl`; for the fleet repository its branch. */
  ref: string;
  /** The files at `path` (and what a kustomization there refers to) packed by the hub; set once accepted. */
  artifact?: { digest: string; size: number; compressedSize: number };
  /**
   * The commit the bundle's targets name (content-commits.ts): `commit`, unless the packed files
   * are the same as at the fleet repository's previous good commit, whose one is kept. Set once
   * accepted; bundles stored before it have none (sourceCommitOfTargets reads them as `commit`).
   */
  contentCommit?: string;
}

export interface BundleSpec {
  name: string;
  /** Directory of manifests, relative to the repository root, normalised (no "./", no trailing "/"). */
  sourcePath: string;
  /** Where agents fetch it: the fleet repo itself or another repository, resolved to an exact commit. */
  source: BundleSourceSpec;
  render: RenderSpec;
  /** Default namespace for namespaced objects that set none ("" = none). */
  namespace: string;
  targets: BundleTarget[];
  syncPolicy: SyncPolicySpec;
  /** Bundles (by name) that must be Healthy on a cluster before this one is applied there. */
  dependsOn: string[];
  suspend: boolean;
  rollout?: RolloutSpec;
  /** Name of the fleet repository (FLEET_REPOS) that declared it. */
  fleetRepo: string;
}

/** A bundle together with where it was declared. */
export interface BundleDocument {
  file: string;
  /** Line where the document starts. */
  line: number;
  /** Lines of the fields that cross-file rules (unique names, existing paths) point at. */
  nameLine: number;
  sourcePathLine: number;
  /** Lines of other fields cross-file rules point at, by field path (e.g. "spec.dependsOn[0]"). */
  fieldLines: Record<string, number>;
  /** The repository URL as written (may carry no credentials); undefined for the fleet repo itself. */
  sourceRepoUrl?: string;
  bundle: BundleSpec;
}

export interface ClusterGroupDocument {
  file: string;
  line: number;
  nameLine: number;
  group: ClusterGroupSpec;
}

/** One validation error; file/line/field are null when the error concerns no single place. */
export interface FleetError {
  file: string | null;
  line: number | null;
  field: string | null;
  message: string;
}

/** `fleet/web.yaml:7: spec.source.path: must be …` */
export function formatFleetError(error: FleetError): string {
  const where = [error.file, error.line].filter((part) => part !== null).join(':');
  return [where, error.field, error.message].filter((part) => part !== null && part !== '').join(': ');
}
