import { isCommitSha, isDns1123Label, isRefName, repoUrlProblem, stripUserinfo } from '#core';
import { stringify, parse } from 'yaml';
import {
  RENDER_KINDS,
  type BundleTarget,
  type DriftMode,
  type KustomizePatchSpec,
  type RenderKindSpec,
  type RolloutPartitionSpec,
  type RolloutSpec,
  type SyncPolicySpec,
  type TargetOverrides,
} from './fleet-format';
import { describe, type FieldReader, type Mapping, type Path } from './field-reader';

export const DEFAULT_AUTO_PARTITION_SIZE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = 1;
export const BUNDLE_SPEC_FIELDS = ['source', 'namespace', 'targets', 'syncPolicy', 'dependsOn', 'suspend', 'rollout'];

/** A value name usable as `${name}` in manifests: dotted identifiers; `cluster.*` is the hub's own. */
const VALUE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

export interface ReadSource {
  path: string;
  repo?: { url: string; ref: string };
  kind: RenderKindSpec;
  helmReleaseName?: string;
  helmValues: Record<string, unknown>;
  kustomizePatches: KustomizePatchSpec[];
}

/** The parts of a Bundle's spec beyond name and namespace, each field checked where it is written. */
export class BundleSpecReader {
  constructor(private readonly r: FieldReader) {}

  source(value: unknown, normalise: (path: string) => string | undefined): ReadSource | undefined {
    const at: Path = ['spec', 'source'];
    const source = this.r.mapping(value, at, true);
    if (source === undefined) return undefined;
    this.r.knownKeys(source, at, ['path', 'repo', 'kind', 'helm', 'kustomize']);
    const rawPath = this.r.string(source.path, [...at, 'path'], true);
    let path: string | undefined;
    if (rawPath !== undefined) {
      path = normalise(rawPath);
      if (path === undefined) this.r.fail([...at, 'path'], "must be a relative path without '..'");
    }
    const repo = this.repo(source.repo);
    const kindText = this.r.string(source.kind, [...at, 'kind']) ?? 'raw';
    let kind: RenderKindSpec = 'raw';
    if (RENDER_KINDS.includes(kindText as RenderKindSpec)) kind = kindText as RenderKindSpec;
    else this.r.fail([...at, 'kind'], `must be one of ${RENDER_KINDS.join(', ')}, got "${kindText}"`);

    let helmReleaseName: string | undefined;
    let helmValues: Record<string, unknown> = {};
    const helm = this.r.mapping(source.helm, [...at, 'helm']);
    if (helm !== undefined) {
      if (kind !== 'helm') this.r.fail([...at, 'helm'], 'is only allowed with kind: helm');
      this.r.knownKeys(helm, [...at, 'helm'], ['releaseName', 'values']);
      helmReleaseName = this.r.string(helm.releaseName, [...at, 'helm', 'releaseName']);
      if (helmReleaseName !== undefined && !isDns1123Label(helmReleaseName)) {
        this.r.fail([...at, 'helm', 'releaseName'], `"${helmReleaseName}" is not a DNS-1123 label`);
      }
      helmValues = this.r.mapping(helm.values, [...at, 'helm', 'values']) ?? {};
    }
    let kustomizePatches: KustomizePatchSpec[] = [];
    const kustomize = this.r.mapping(source.kustomize, [...at, 'kustomize']);
    if (kustomize !== undefined) {
      if (kind !== 'kustomize') this.r.fail([...at, 'kustomize'], 'is only allowed with kind: kustomize');
      this.r.knownKeys(kustomize, [...at, 'kustomize'], ['patches']);
      kustomizePatches = this.patches(kustomize.patches, [...at, 'kustomize', 'patches']);
    }
    if (path === undefined) return undefined;
    return { path, repo, kind, helmReleaseName, helmValues, kustomizePatches };
  }

  targets(value: unknown, kind: RenderKindSpec): BundleTarget[] {
    const at: Path = ['spec', 'targets'];
    const targets: BundleTarget[] = [];
    const names = new Set<string>();
    this.r.list(value, at)?.forEach((item, i) => {
      const target = this.r.mapping(item, [...at, i]);
      if (target === undefined) return;
      this.r.knownKeys(target, [...at, i], ['name', 'clusterSelector', 'clusterGroup', 'overrides']);
      const name = this.uniqueName(target.name, [...at, i, 'name'], names, false);
      const chooser = this.clusterChooser(target, [...at, i]);
      const overrides = this.overrides(target.overrides, [...at, i, 'overrides'], kind);
      if (chooser !== undefined) targets.push({ ...(name === undefined ? {} : { name }), ...chooser, overrides });
    });
    return targets;
  }

  syncPolicy(value: unknown): SyncPolicySpec {
    const at: Path = ['spec', 'syncPolicy'];
    const policy = this.r.mapping(value, at);
    if (policy !== undefined) this.r.knownKeys(policy, at, ['prune', 'selfHeal', 'drift']);
    const prune = this.r.boolean(policy?.prune, [...at, 'prune']) ?? false;
    const selfHeal = this.r.boolean(policy?.selfHeal, [...at, 'selfHeal']);
    const driftText = this.r.string(policy?.drift, [...at, 'drift']);
    let drift: DriftMode | undefined;
    if (driftText === 'report' || driftText === 'correct') drift = driftText;
    else if (driftText !== undefined) this.r.fail([...at, 'drift'], `must be report or correct, got "${driftText}"`);
    if (drift !== undefined && selfHeal !== undefined && (drift === 'correct') !== selfHeal) {
      this.r.fail(
        [...at, 'drift'],
        `drift: ${drift} contradicts selfHeal: ${selfHeal} (correct goes with selfHeal: true, report with false)`,
      );
    }
    const heal = selfHeal ?? drift === 'correct';
    return { prune, selfHeal: heal, drift: drift ?? (heal ? 'correct' : 'report') };
  }

  dependsOn(value: unknown, self: string | undefined): string[] {
    const at: Path = ['spec', 'dependsOn'];
    const names: string[] = [];
    this.r.list(value, at, 'a list of bundle names')?.forEach((item, i) => {
      const name = this.r.string(item, [...at, i], true);
      if (name === undefined || name === '') return;
      if (!isDns1123Label(name)) this.r.fail([...at, i], `"${name}" is not a bundle name (DNS-1123 label)`);
      else if (name === self) this.r.fail([...at, i], 'a bundle cannot depend on itself');
      else if (names.includes(name)) this.r.fail([...at, i], `"${name}" is listed twice`);
      else names.push(name);
    });
    return names;
  }

  rollout(value: unknown): RolloutSpec | undefined {
    const at: Path = ['spec', 'rollout'];
    const rollout = this.r.mapping(value, at);
    if (rollout === undefined) return undefined;
    this.r.knownKeys(rollout, at, ['partitions', 'autoPartitionSize', 'maxUnavailable', 'pauseOnFailure']);
    const partitions: RolloutPartitionSpec[] = [];
    const names = new Set<string>();
    this.r.list(rollout.partitions, [...at, 'partitions'])?.forEach((item, i) => {
      const p: Path = [...at, 'partitions', i];
      const partition = this.r.mapping(item, p);
      if (partition === undefined) return;
      this.r.knownKeys(partition, p, ['name', 'clusterSelector', 'clusterGroup', 'maxUnavailable']);
      const name = this.uniqueName(partition.name, [...p, 'name'], names, true);
      const chooser = this.clusterChooser(partition, p);
      const maxUnavailable = this.r.countOrPercent(partition.maxUnavailable, [...p, 'maxUnavailable']);
      if (name === undefined || chooser === undefined) return;
      partitions.push({ name, ...chooser, ...(maxUnavailable === undefined ? {} : { maxUnavailable }) });
    });
    return {
      partitions,
      autoPartitionSize: this.r.countOrPercent(rollout.autoPartitionSize, [...at, 'autoPartitionSize']) ?? DEFAULT_AUTO_PARTITION_SIZE,
      maxUnavailable: this.r.countOrPercent(rollout.maxUnavailable, [...at, 'maxUnavailable']) ?? DEFAULT_MAX_UNAVAILABLE,
      pauseOnFailure: this.r.boolean(rollout.pauseOnFailure, [...at, 'pauseOnFailure']) ?? true,
    };
  }

  private repo(value: unknown): { url: string; ref: string } | undefined {
    const at: Path = ['spec', 'source', 'repo'];
    const repo = this.r.mapping(value, at);
    if (repo === undefined) return undefined;
    this.r.knownKeys(repo, at, ['url', 'ref']);
    const url = this.r.string(repo.url, [...at, 'url'], true);
    const ref = this.r.string(repo.ref, [...at, 'ref'], true);
    let ok = url !== undefined && url !== '' && ref !== undefined && ref !== '';
    if (url !== undefined && url !== '') {
      const problem = repoUrlProblem(url);
      if (problem !== undefined) {
        this.r.fail([...at, 'url'], problem);
        ok = false;
      } else if (stripUserinfo(url) !== url) {
        this.r.fail([...at, 'url'], 'must not carry credentials; configure them for the hub (FLEET_REPOS)');
        ok = false;
      }
    }
    if (ref !== undefined && ref !== '' && !isCommitSha(ref) && !isRefName(ref)) {
      this.r.fail([...at, 'ref'], `"${ref}" is neither a branch or tag name nor a 40-hex commit SHA`);
      ok = false;
    }
    return ok ? { url: url!, ref: ref! } : undefined;
  }

  /** Exactly one of clusterSelector and clusterGroup. */
  private clusterChooser(
    map: Mapping,
    at: Path,
  ): { clusterSelector: BundleTarget['clusterSelector'] } | { clusterGroup: string } | undefined {
    const hasSelector = map.clusterSelector !== undefined && map.clusterSelector !== null;
    const hasGroup = map.clusterGroup !== undefined && map.clusterGroup !== null;
    if (hasSelector === hasGroup) {
      this.r.fail(at, hasSelector ? 'set either clusterSelector or clusterGroup, not both' : 'needs clusterSelector or clusterGroup');
      return undefined;
    }
    if (hasSelector) {
      const clusterSelector = this.r.selector(map.clusterSelector, [...at, 'clusterSelector']);
      return clusterSelector === undefined ? undefined : { clusterSelector };
    }
    const group = this.r.string(map.clusterGroup, [...at, 'clusterGroup'], true);
    if (group === undefined || group === '') return undefined;
    if (!isDns1123Label(group)) {
      this.r.fail([...at, 'clusterGroup'], `"${group}" is not a group name (DNS-1123 label)`);
      return undefined;
    }
    return { clusterGroup: group };
  }

  private overrides(value: unknown, at: Path, kind: RenderKindSpec): TargetOverrides {
    const overrides = this.r.mapping(value, at);
    if (overrides === undefined) return {};
    this.r.knownKeys(overrides, at, ['helmValues', 'kustomizePatches', 'values']);
    const result: TargetOverrides = {};
    const helmValues = this.r.mapping(overrides.helmValues, [...at, 'helmValues']);
    if (helmValues !== undefined) {
      if (kind !== 'helm') this.r.fail([...at, 'helmValues'], 'is only allowed when spec.source.kind is helm');
      result.helmValues = helmValues;
    }
    if (overrides.kustomizePatches !== undefined && overrides.kustomizePatches !== null) {
      if (kind !== 'kustomize') this.r.fail([...at, 'kustomizePatches'], 'is only allowed when spec.source.kind is kustomize');
      result.kustomizePatches = this.patches(overrides.kustomizePatches, [...at, 'kustomizePatches']);
    }
    const values = this.r.stringMap(overrides.values, [...at, 'values']);
    if (values !== undefined) {
      for (const key of Object.keys(values)) {
        if (!VALUE_KEY.test(key)) this.r.fail([...at, 'values', key], 'must be a dotted name such as "replicas" or "app.tier"');
        else if (key === 'cluster' || key.startsWith('cluster.'))
          this.r.fail([...at, 'values', key], 'names under "cluster." are set by the hub');
      }
      result.values = values;
    }
    return result;
  }

  private patches(value: unknown, at: Path): KustomizePatchSpec[] {
    const patches: KustomizePatchSpec[] = [];
    this.r.list(value, at)?.forEach((item, i) => {
      const patch = this.r.mapping(item, [...at, i]);
      if (patch === undefined) return;
      this.r.knownKeys(patch, [...at, i], ['patch', 'target']);
      const text = this.patchText(patch.patch, [...at, i, 'patch']);
      const target = this.r.mapping(patch.target, [...at, i, 'target']);
      const spec: KustomizePatchSpec = { patch: text ?? '' };
      if (target !== undefined) {
        this.r.knownKeys(target, [...at, i, 'target'], ['kind', 'name', 'namespace', 'labelSelector']);
        spec.target = {};
        for (const key of ['kind', 'name', 'namespace', 'labelSelector'] as const) {
          const v = this.r.string(target[key], [...at, i, 'target', key]);
          if (v !== undefined) spec.target[key] = v;
        }
      }
      if (text !== undefined) patches.push(spec);
    });
    return patches;
  }

  /** A patch is written as YAML text or as a mapping or list (stored as YAML text either way). */
  private patchText(value: unknown, at: Path): string | undefined {
    if (value === undefined || value === null) {
      this.r.fail(at, 'is required');
      return undefined;
    }
    if (typeof value === 'object') return stringify(value);
    if (typeof value !== 'string') {
      this.r.fail(at, `must be a YAML document (text, mapping or list), got ${describe(value)}`);
      return undefined;
    }
    try {
      const parsed: unknown = parse(value);
      if (parsed === null || typeof parsed !== 'object') throw new Error('not a mapping or list');
    } catch (error) {
      this.r.fail(at, `is not a YAML mapping or list: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
    return value;
  }

  private uniqueName(value: unknown, at: Path, seen: Set<string>, required: boolean): string | undefined {
    const name = this.r.string(value, at, required);
    if (name === undefined || name === '') return undefined;
    if (!isDns1123Label(name)) {
      this.r.fail(at, `"${name}" is not a DNS-1123 label`);
      return undefined;
    }
    if (seen.has(name)) this.r.fail(at, `"${name}" is used twice`);
    seen.add(name);
    return name;
  }
}
