import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { readConfigFile } from './config-file';
import { SourceError, type SourceLimits } from './limits';
import { confined, PathEscapeError } from './manifest-files';
import {
  KUSTOMIZATION_FILES,
  KUSTOMIZATION_PLUGIN_FIELDS as PLUGIN_FIELDS,
  KUSTOMIZATION_REFERENCE_FIELDS as REFERENCE_FIELDS,
  KustomizationError,
  kustomizationEntries,
  kustomizationFileReferences as fileReferences,
  looksRemote,
} from '#core';

export { KUSTOMIZATION_FILES };

/** Kustomizations followed from one target before giving up (a guard against reference fans). */
const MAX_KUSTOMIZATIONS = 1000;

/**
 * Checks, before any renderer runs, every kustomization reachable from `dir` (repository-relative):
 * each `resources`/`bases`/`components` entry must be a file or directory inside the checkout
 * (a symlink may not lead out), remote ones (http, git, `?ref=`) are refused unless allowed,
 * as are `helmCharts` with a repository, and files named by patches and generators must not
 * point outside the checkout. Errors name the kustomization file and field.
 */
export async function checkKustomizations(
  checkoutRoot: string,
  dir: string,
  limits: SourceLimits,
  allowRemoteBases: boolean,
): Promise<void> {
  const queue = [dir];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (seen.has(current)) continue;
    seen.add(current);
    if (seen.size > MAX_KUSTOMIZATIONS)
      throw new SourceError(`more than ${MAX_KUSTOMIZATIONS} kustomizations reachable from "${dir || '.'}"`);

    const { file, kustomization } = await readKustomization(checkoutRoot, current, limits);
    for (const field of REFERENCE_FIELDS) {
      for (const entry of stringEntries(kustomization[field], file, field)) {
        if (looksRemote(entry)) {
          if (allowRemoteBases) continue;
          throw new SourceError(`${file}: ${field}: remote reference "${entry}" is not allowed (remote bases are off)`);
        }
        const target = await localReference(checkoutRoot, current, entry, file, field);
        if (target.isDirectory) queue.push(target.path);
      }
    }
    checkHelmCharts(kustomization.helmCharts, file, allowRemoteBases);
    for (const [field, entry] of fileReferences(kustomization)) {
      if (looksRemote(entry)) throw new SourceError(`${file}: ${field}: remote file "${entry}" is not allowed`);
      const target = await localReference(checkoutRoot, current, entry, file, field, true);
      // A transformer or generator may itself be a kustomization directory.
      if (target.isDirectory && PLUGIN_FIELDS.has(field)) queue.push(target.path);
    }
  }
}

/** The kustomization file of a directory, parsed with the same bounds as manifests. */
async function readKustomization(
  checkoutRoot: string,
  dir: string,
  limits: SourceLimits,
): Promise<{ file: string; kustomization: Record<string, unknown> }> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = dir ? `${dir}/${name}` : name;
    const real = await confined(checkoutRoot, join(checkoutRoot, file), file).catch((error: unknown) => {
      if (error instanceof PathEscapeError) throw error;
      return undefined;
    });
    if (real === undefined) continue;
    const kustomization = await readConfigFile(real, file, limits);
    if (kustomization) return { file, kustomization };
  }
  throw new SourceError(`"${dir || '.'}" has no ${KUSTOMIZATION_FILES.join(', ')}`);
}

/** Resolves a local entry of a kustomization in `dir` and checks it stays in the checkout. */
async function localReference(
  checkoutRoot: string,
  dir: string,
  entry: string,
  file: string,
  field: string,
  mayBeMissing = false,
): Promise<{ path: string; isDirectory: boolean }> {
  if (entry.startsWith('/') || /^[A-Za-z]:/.test(entry) || entry.includes('\0')) {
    throw new SourceError(`${file}: ${field}: "${entry}" must be a relative path`);
  }
  const path = posix.normalize(posix.join(dir || '.', entry));
  if (path === '..' || path.startsWith('../')) {
    throw new SourceError(`${file}: ${field}: "${entry}" points outside the repository`);
  }
  let real: string;
  try {
    real = await confined(checkoutRoot, join(checkoutRoot, path), `${file}: ${field}: "${entry}"`);
  } catch (error) {
    if (mayBeMissing && !(error instanceof PathEscapeError)) return { path, isDirectory: false };
    throw error;
  }
  const isDirectory = (await stat(real)).isDirectory();
  return { path: path === '.' ? '' : path, isDirectory };
}

function checkHelmCharts(value: unknown, file: string, allowRemote: boolean): void {
  if (!Array.isArray(value)) return;
  for (const [index, chart] of value.entries()) {
    const repo = (chart as { repo?: unknown } | null)?.repo;
    if (typeof repo === 'string' && repo !== '' && !allowRemote) {
      throw new SourceError(`${file}: helmCharts[${index}].repo: remote chart repository "${repo}" is not allowed`);
    }
  }
}

function stringEntries(value: unknown, file: string, field: string): string[] {
  try {
    return kustomizationEntries(value, file, field);
  } catch (error) {
    if (error instanceof KustomizationError) throw new SourceError(error.message);
    throw error;
  }
}
