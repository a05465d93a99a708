import { canonicalJson, sha256Hex, sortedByBundle, targetSetChecksumOf, targetSetJsonOf, type BundlePolicy } from '#core';
import { stringify } from 'yaml';
import { RenderKind, Target, type KustomizePatch, type SourceArtifact } from '#proto';
import { sourceCommitOfTargets } from '../fleet-repo/content-commits';
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
  return new TargetBuilder(fleet).targetsFor(cluster);
}

/**
 * What is known of targets beside the targets themselves: how each was built and its canonical
 * text, so that neither is worked out again from the target (TargetBuilder's, for one pass).
 */
export interface KnownTargets {
  /** What a TargetBuilder built `target` from; undefined for a target from elsewhere (read back, copied, changed). */
  builtFrom(target: TargetSpec): BuiltTarget | undefined;
  /** docs/protocol.md: the target's canonical JSON. */
  textOf(target: TargetSpec): string;
}

/** Nothing known beyond the targets: each text computed from its target. */
export const NOTHING_KNOWN: KnownTargets = { builtFrom: () => undefined, textOf: canonicalJson };

/** A cluster's target as a TargetBuilder built it: `from` with the cluster's values. */
export interface BuiltTarget {
  /** The bundle target, with empty values, the same object for every cluster it selects. */
  from: TargetSpec;
  /** canonicalJson of the target's values. */
  valuesJson: string;
}

interface Built extends BuiltTarget {
  /** The target's canonical text, when known without computing it whole. */
  text: string | undefined;
}

/**
 * Builds the targets of many clusters from one fleet (a placement pass). What a bundle's
 * target is apart from the cluster's own values (source, render, policy — the helm values'
 * YAML included) is built once per bundle target, not once per cluster, and so is its
 * canonical text: a cluster adds only its values. At 10,000 clusters that was most of a
 * placement's CPU (bench/scale.ts).
 *
 * It remembers what it built, and the texts asked of it, for as long as it lives: one pass. In a
 * Map, not beside each target in a WeakMap: with 100,000 targets a pass, two WeakMaps were a
 * third of the pass's CPU, in setting their entries and in the garbage collector's work on them
 * (docs/scale-rounds.md, twenty-third round).
 */
export class TargetBuilder implements KnownTargets {
  private readonly shared = new Map<BundleTarget, { target: TargetSpec; head: string | undefined }>();
  /** The fleet's bundles by name: each cluster's targets come out sorted without sorting them. */
  private readonly bundles: BundleSpec[];
  /** Each target built here, with what it was built from. */
  private readonly built = new Map<TargetSpec, Built>();
  /** Texts asked of targets not built here (a held or pinned one, a bundle target), each computed once. */
  private readonly texts = new Map<TargetSpec, string>();

  /** `policyOf` gives a bundle's policy (withPolicies' rule); without it targets carry none. */
  constructor(
    private readonly fleet: PlacedFleet,
    private readonly policyOf: (bundle: BundleSpec) => BundlePolicy | undefined = () => undefined,
  ) {
    this.bundles = [...fleet.bundles].sort((a, b) => compare(a.name, b.name));
  }

  targetsFor(cluster: PlacedCluster): TargetSpec[] {
    const targets: TargetSpec[] = [];
    // The cluster's own values, the same for every bundle target without values of its own:
    // built and serialised once per cluster, not once per target.
    let own: ClusterValues | undefined;
    for (const bundle of this.bundles) {
      const rule = selectingTarget(bundle, cluster, this.fleet.groups);
      if (rule === undefined) continue;
      own ??= clusterValues(cluster);
      targets.push(this.targetOf(bundle, rule, own));
    }
    return targets;
  }

  /** Arrow functions: passed on as they are (targetSetChecksum's textOf). */
  readonly builtFrom = (target: TargetSpec): BuiltTarget | undefined => this.built.get(target);

  readonly textOf = (target: TargetSpec): string => {
    const text = this.built.get(target)?.text;
    if (text !== undefined) return text;
    let computed = this.texts.get(target);
    if (computed === undefined) this.texts.set(target, (computed = canonicalJson(target)));
    return computed;
  };

  private targetOf(bundle: BundleSpec, rule: BundleTarget, own: ClusterValues): TargetSpec {
    let shared = this.shared.get(rule);
    if (shared === undefined) {
      const target = sharedTarget(bundle, rule, this.policyOf(bundle));
      // `values` sorts last among a Target's fields, so the canonical text ends with it: the
      // text before it is the same for every cluster. (Should a later field sort after it, each
      // cluster's text is computed whole instead.)
      const text = canonicalJson(target);
      shared = { target, head: text.endsWith(',"values":{}}') ? text.slice(0, -'{}}'.length) : undefined };
      this.shared.set(rule, shared);
      rememberBundleTarget(target);
    }
    const overrides = rule.overrides.values;
    const hasOverrides = overrides !== undefined && Object.keys(overrides).length > 0;
    const values = hasOverrides ? { ...own.values, ...overrides } : own.values;
    const valuesJson = hasOverrides ? canonicalJson(values) : own.json;
    const target = { ...shared.target, values };
    this.built.set(target, {
      from: shared.target,
      valuesJson,
      text: shared.head === undefined ? undefined : `${shared.head}${valuesJson}}`,
    });
    return target;
  }
}

/**
 * Each bundle target a TargetBuilder made, under its `render`: an object of its own that every
 * cluster's target built from it shares (and a target read back or made elsewhere does not).
 */
const bundleTargetsByRender = new WeakMap<object, { target: TargetSpec; fields: number }>();

/**
 * Makes `target` (a bundle target: empty values) one that bundleTargetOf finds for every target
 * that shares its fields but `values` (TargetBuilder's, and bodies read back: TargetBodies).
 */
export function rememberBundleTarget(target: TargetSpec): void {
  if (target.render !== undefined) bundleTargetsByRender.set(target.render, { target, fields: Object.keys(target).length });
}

/**
 * The bundle target (empty values) that `target` is, apart from its values: every field but
 * `values` the very same as the bundle target's, none more, none fewer. For what is derived
 * from a bundle target once for every cluster (its wire bytes) once the pass that built the
 * targets is over; undefined for any other target, or one changed since it was built.
 */
export function bundleTargetOf(target: TargetSpec): TargetSpec | undefined {
  const shared = target.render === undefined ? undefined : bundleTargetsByRender.get(target.render);
  if (shared === undefined) return undefined;
  const from = shared.target;
  let fields = 0;
  for (const key in target) {
    fields++;
    if (key !== 'values' && target[key as keyof TargetSpec] !== from[key as keyof TargetSpec]) return undefined;
  }
  return fields === shared.fields ? from : undefined;
}

/** A cluster's own values (its name and labels) and their canonical JSON. */
interface ClusterValues {
  values: Record<string, string>;
  json: string;
}

function clusterValues(cluster: PlacedCluster): ClusterValues {
  const values: Record<string, string> = { 'cluster.name': cluster.name };
  for (const key in cluster.labels) values[`cluster.labels.${key}`] = cluster.labels[key];
  return { values, json: canonicalJson(values) };
}

/** A bundle target as every cluster it selects gets it, with empty values. */
function sharedTarget(bundle: BundleSpec, target: BundleTarget, policy: BundlePolicy | undefined): TargetSpec {
  const helmValues = deepMerge(bundle.render.helmValues, target.overrides.helmValues ?? {});
  const patches = [...bundle.render.kustomizePatches, ...(target.overrides.kustomizePatches ?? [])];
  const built = Target.fromPartial({
    bundle: bundle.name,
    source: { repoUrl: bundle.source.repoUrl, commit: sourceCommitOfTargets(bundle.source), path: bundle.source.path },
    defaultNamespace: bundle.namespace,
    syncPolicy: { prune: bundle.syncPolicy.prune, selfHeal: bundle.syncPolicy.selfHeal || bundle.syncPolicy.drift === 'correct' },
    values: {},
    render: {
      kind: RENDER_KIND[bundle.render.kind],
      helmReleaseName: bundle.render.helmReleaseName ?? '',
      helmValuesYaml: Object.keys(helmValues).length === 0 ? '' : stringify(helmValues, { sortMapEntries: true }),
      kustomizePatches: patches.map(kustomizePatch),
    },
    dependsOn: [...bundle.dependsOn].sort(compare),
    suspend: bundle.suspend,
    ...(bundle.source.artifact ? { artifact: artifactOf(bundle.source.artifact) } : {}),
    ...(policy === undefined ? {} : { policy: { ...policy } }),
  });
  // No policy is no `policy` key at all (withPolicies keeps such a target as it is). Left out by
  // a rest copy rather than `delete`: V8 keeps an object's properties fast after a delete only
  // of the property added last (`policy` is, today), else turns them into a dictionary, and every
  // cluster's target, copied from this one, would be copied and read several times as slowly.
  if (built.policy !== undefined) return built;
  const { policy: _none, ...withoutPolicy } = built;
  return withoutPolicy as TargetSpec;
}

/** Hex SHA-256 of one target's canonical JSON: whether a bundle's target changed between two revisions. */
export function targetDigest(target: TargetSpec, known: KnownTargets = NOTHING_KNOWN): string {
  return sha256Hex(known.textOf(target));
}

/** Whether a cluster belongs to a group; an unknown group holds no cluster. */
export function clusterInGroup(cluster: { labels: Record<string, string> }, group: string, groups: ClusterGroupSpec[]): boolean {
  const spec = groups.find((g) => g.name === group);
  return spec !== undefined && selectorMatches(spec.selector, cluster.labels);
}

/** The first of a bundle's targets that selects the cluster (its overrides apply): undefined, the bundle does not target it. */
export function selectingTarget(
  bundle: Pick<BundleSpec, 'targets'>,
  cluster: { labels: Record<string, string> },
  groups: ClusterGroupSpec[],
): BundleTarget | undefined {
  for (const target of bundle.targets) if (targetSelects(target, cluster, groups)) return target;
  return undefined;
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
  let result: TargetSpec[] | undefined;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    const repo = fleetRepoOf(target.bundle);
    const policy = repo === undefined ? undefined : policyOf(repo);
    // Already as wanted (TargetBuilder puts the policy in): the same object, whose text is known.
    if (policy === undefined ? !('policy' in target) : target.policy !== undefined && policyText(target.policy) === policyText(policy)) {
      result?.push(target);
      continue;
    }
    result ??= targets.slice(0, i);
    const { policy: _held, ...rest } = target;
    result.push(policy === undefined ? (rest as TargetSpec) : { ...rest, policy: { ...policy } });
  }
  // Every target as it was: the same array.
  return result ?? targets;
}

/** The canonical JSON of policies, once per policy object (a bundle target's is every cluster's). */
const policyTexts = new WeakMap<object, string>();

function policyText(policy: object): string {
  let text = policyTexts.get(policy);
  if (text === undefined) policyTexts.set(policy, (text = canonicalJson(policy)));
  return text;
}

/** docs/protocol.md: hex SHA-256 of the canonical JSON of the targets (sorted by bundle, keys sorted, no whitespace). */
export function targetSetChecksum(targets: readonly TargetSpec[], textOf: (target: TargetSpec) => string = canonicalJson): string {
  return targetSetChecksumOf(targets, textOf);
}

/** The canonical JSON of a TargetSet's targets (sorted by bundle): what its checksum is over, and what is stored. */
export function targetSetJson(targets: readonly TargetSpec[]): string {
  return targetSetJsonOf(targets);
}

/** A TargetSet's targets in the order it holds, sends and stores them: by bundle. */
export const sortedTargets: (targets: readonly TargetSpec[]) => TargetSpec[] = sortedByBundle;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
