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

export interface BundleTarget {
  clusterSelector: LabelSelector;
}

export interface SyncPolicySpec {
  prune: boolean;
  selfHeal: boolean;
}

export interface BundleSpec {
  name: string;
  /** Directory of manifests, relative to the repository root, normalised (no "./", no trailing "/"). */
  sourcePath: string;
  /** Default namespace for namespaced objects that set none ("" = none). */
  namespace: string;
  targets: BundleTarget[];
  syncPolicy: SyncPolicySpec;
}

/** A bundle together with where it was declared. */
export interface BundleDocument {
  file: string;
  /** Line where the document starts. */
  line: number;
  /** Lines of the fields that cross-file rules (unique names, existing paths) point at. */
  nameLine: number;
  sourcePathLine: number;
  bundle: BundleSpec;
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
