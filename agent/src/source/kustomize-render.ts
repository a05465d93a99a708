import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { stringify } from 'yaml';
import type { KustomizePatch } from '#proto';
import { checkKustomizations } from './kustomization-check';
import { SourceError, type SourceLimits } from './limits';
import { findExecutable, offlineEnvironment, runRenderer, type RenderCommand, type RenderSettings } from './renderer-process';

/**
 * Renders the kustomization at `path` (repository-relative) of a checkout: references are
 * checked first, then `kustomize build` (or `kubectl kustomize`) runs offline. Patches from
 * the target go into a wrapper kustomization in a scratch directory outside the checkout, so
 * the checkout, shared with other targets, is never written.
 */
export async function renderKustomize(
  checkoutRoot: string,
  path: string,
  patches: readonly KustomizePatch[],
  limits: SourceLimits,
  settings: RenderSettings,
): Promise<string> {
  const what = `kustomize build of "${path || '.'}"`;
  const root = await realpath(checkoutRoot);
  await checkKustomizations(root, path, limits, settings.allowRemoteBases);
  const renderer = await findKustomize(settings.searchPath);
  if (!renderer) throw new SourceError(`${what}: Kustomize renderer not available: no "kustomize" or "kubectl" binary on PATH`);

  const scratch = await realpath(await mkdtemp(join(tmpdir(), 'gitfleet-kustomize-')));
  try {
    const target = join(root, path);
    let dir = target;
    if (patches.length > 0) {
      dir = join(scratch, 'wrapper');
      await writeWrapper(dir, relative(dir, target), patches);
    }
    const command = kustomizeCommand(renderer, dir, target, join(scratch, 'home'));
    return await runRenderer(command, what, settings.timeoutMs, limits.maxTotalBytes);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface KustomizeBinary {
  binary: string;
  /** `kubectl kustomize` rather than `kustomize build`. */
  viaKubectl: boolean;
}

async function findKustomize(searchPath: string): Promise<KustomizeBinary | undefined> {
  const kustomize = await findExecutable('kustomize', searchPath);
  if (kustomize) return { binary: kustomize, viaKubectl: false };
  const kubectl = await findExecutable('kubectl', searchPath);
  return kubectl ? { binary: kubectl, viaKubectl: true } : undefined;
}

/** The command line for one build (pure). Plugins, exec functions and helm stay at kustomize's default: off. */
export function kustomizeCommand(renderer: KustomizeBinary, dir: string, cwd: string, home: string): RenderCommand {
  const args = renderer.viaKubectl ? ['kustomize', dir] : ['build', dir];
  return { binary: renderer.binary, args, cwd, env: offlineEnvironment(home, { KUBECONFIG: join(home, 'none') }) };
}

/** The wrapper kustomization's text (pure): the target's path as its one resource, then the patches in order. */
export function wrapperKustomization(resource: string, patches: readonly KustomizePatch[]): string {
  return stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [resource.split(sep).join('/')],
    patches: patches.map((patch) => {
      const target = {
        ...(patch.targetKind ? { kind: patch.targetKind } : {}),
        ...(patch.targetName ? { name: patch.targetName } : {}),
        ...(patch.targetNamespace ? { namespace: patch.targetNamespace } : {}),
        ...(patch.targetLabelSelector ? { labelSelector: patch.targetLabelSelector } : {}),
      };
      return Object.keys(target).length > 0 ? { patch: patch.patch, target } : { patch: patch.patch };
    }),
  });
}

async function writeWrapper(dir: string, resource: string, patches: readonly KustomizePatch[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kustomization.yaml'), wrapperKustomization(resource, patches));
}
