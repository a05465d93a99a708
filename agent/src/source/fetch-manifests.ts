import { RenderKind, type RenderOptions } from '#proto';
import type { ArtifactCache, ArtifactRef } from './artifact-cache';
import type { GitCache } from './git-cache';
import { renderHelm } from './helm-render';
import { renderKustomize } from './kustomize-render';
import { SourceError, type SourceLimits } from './limits';
import { readIsolated } from './manifest-isolation';
import type { Manifest } from './manifest-reader';
import { defaultRenderSettings, type RenderSettings } from './renderer-process';
import { normaliseSourcePath } from './source-path';

/** Everything a target says about where its manifests come from and how they are rendered. */
export interface ManifestSource {
  repoUrl: string;
  commit: string;
  path: string;
  /** How to render the path; absent or RENDER_KIND_UNSPECIFIED reads it as plain YAML/JSON. */
  render?: RenderOptions;
  /**
   * Substitution values: `${cluster.labels.env}` in a manifest's string values is replaced by
   * `values["cluster.labels.env"]`. Absent: no substitution at all (callers without a target).
   */
  values?: Record<string, string>;
  /** Bundle name: the Helm release name when `render.helmReleaseName` is empty. */
  bundle?: string;
  /** Helm's `--namespace`. */
  defaultNamespace?: string;
}

/**
 * Fetches the source at its exact commit and reads or renders its manifests (the path is
 * checked first). Everything wrong with the content or a missing renderer is a SourceError:
 * retrying the same commit cannot fix it.
 */
export async function fetchManifests(
  cache: GitCache,
  source: ManifestSource,
  limits: SourceLimits,
  settings: RenderSettings = defaultRenderSettings(),
): Promise<Manifest[]> {
  if (!source.repoUrl) throw new SourceError('target has no repository URL');
  const path = normaliseSourcePath(source.path);
  const checkout = await cache.checkout(source.repoUrl, source.commit);
  try {
    return await renderManifests(checkout.root, path, source, limits, settings);
  } finally {
    checkout.release();
  }
}

/**
 * Reads or renders the manifests of a target whose source the hub packed: the artifact is
 * fetched from the hub (once; ArtifactCache) and rendered like a checkout — its tree holds the
 * repository paths the bundle needs, at their places.
 */
export async function fetchManifestsFromArtifact(
  artifacts: ArtifactCache,
  artifact: ArtifactRef,
  source: Omit<ManifestSource, 'repoUrl' | 'commit'>,
  limits: SourceLimits,
  settings: RenderSettings = defaultRenderSettings(),
): Promise<Manifest[]> {
  const path = normaliseSourcePath(source.path);
  const checkout = await artifacts.checkout(artifact);
  try {
    return await renderManifests(checkout.root, path, source, limits, settings);
  } finally {
    checkout.release();
  }
}

function values(source: Pick<ManifestSource, 'values'>): { values?: Record<string, string> } {
  return source.values ? { values: source.values } : {};
}

/**
 * Reads or renders the manifests at `path` of a checkout already on disk. Renderers run as
 * child processes and reading runs in a worker thread, each within its budget.
 */
export async function renderManifests(
  checkoutRoot: string,
  path: string,
  source: Pick<ManifestSource, 'render' | 'values' | 'bundle' | 'defaultNamespace'>,
  limits: SourceLimits,
  settings: RenderSettings = defaultRenderSettings(),
): Promise<Manifest[]> {
  const render = source.render;
  switch (render?.kind ?? RenderKind.RENDER_KIND_RAW) {
    case RenderKind.RENDER_KIND_UNSPECIFIED:
    case RenderKind.RENDER_KIND_RAW:
      return readIsolated({ kind: 'files', checkoutRoot, sourcePath: path, limits, ...values(source) }, `"${path || '.'}"`);
    case RenderKind.RENDER_KIND_KUSTOMIZE: {
      const output = await renderKustomize(checkoutRoot, path, render?.kustomizePatches ?? [], limits, settings);
      const name = `kustomize build of "${path || '.'}"`;
      return readIsolated({ kind: 'text', text: output, name, limits, ...values(source) }, name);
    }
    case RenderKind.RENDER_KIND_HELM: {
      const release = {
        name: render?.helmReleaseName || source.bundle || '',
        namespace: source.defaultNamespace ?? '',
        valuesYaml: render?.helmValuesYaml ?? '',
      };
      const output = await renderHelm(checkoutRoot, path, release, limits, settings);
      const name = `helm template of "${path || '.'}"`;
      return readIsolated({ kind: 'text', text: output, name, limits, ...values(source) }, name);
    }
    default:
      throw new SourceError(`unknown render kind ${String(render?.kind)} for "${path || '.'}"`);
  }
}
