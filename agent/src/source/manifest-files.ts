import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { formatBytes, SourceError, type SourceLimits } from './limits';
import { normaliseSourcePath } from './source-path';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** One manifest file found under a target's path. */
export interface ManifestFile {
  /** Path relative to the repository root, with '/' separators: what errors name. */
  name: string;
  /** Absolute real path to read. */
  fullPath: string;
  size: number;
}

/**
 * Lists the *.yaml, *.yml and *.json files under `sourcePath` of a checkout, recursively, in
 * a deterministic order (byte order of names, files and directories interleaved as `ls`
 * would), confined to the checkout: a symlink that resolves outside it is refused, as are
 * files and totals over the limits.
 */
export async function listManifestFiles(checkoutRoot: string, sourcePath: string, limits: SourceLimits): Promise<ManifestFile[]> {
  const path = normaliseSourcePath(sourcePath);
  const root = await realpath(checkoutRoot);
  const start = await confined(root, join(root, path), path || '.');
  const startStat = await stat(start).catch(() => undefined);
  if (!startStat?.isDirectory()) {
    throw new SourceError(`source path "${path || '.'}" is not a directory at this commit`);
  }
  const files: ManifestFile[] = [];
  const visited = new Set<string>();
  let total = 0;

  const walk = async (dir: string, shown: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth) {
      throw new SourceError(`${shown}: directories nested deeper than ${limits.maxDepth} levels`);
    }
    if (visited.has(dir)) return; // a symlink loop inside the checkout
    visited.add(dir);
    const names = (await readdir(dir)).sort(byteOrder);
    for (const entryName of names) {
      const entryShown = shown === '.' ? entryName : `${shown}/${entryName}`;
      const entry = join(dir, entryName);
      const info = await lstat(entry);
      const target = info.isSymbolicLink() ? await confined(root, entry, entryShown) : entry;
      const targetInfo = info.isSymbolicLink() ? await stat(target) : info;
      if (targetInfo.isDirectory()) {
        await walk(target, entryShown, depth + 1);
      } else if (targetInfo.isFile() && MANIFEST_FILE.test(entryName)) {
        if (targetInfo.size > limits.maxFileBytes) {
          throw new SourceError(
            `${entryShown}: file is ${formatBytes(targetInfo.size)}, over the limit of ${formatBytes(limits.maxFileBytes)}`,
          );
        }
        total += targetInfo.size;
        if (total > limits.maxTotalBytes) {
          throw new SourceError(`manifests under "${path || '.'}" exceed the total limit of ${formatBytes(limits.maxTotalBytes)}`);
        }
        files.push({ name: entryShown, fullPath: target, size: targetInfo.size });
      }
    }
  };
  await walk(start, path || '.', 0);
  return files;
}

/** A path that resolves outside the checkout, told apart from one that does not exist. */
export class PathEscapeError extends SourceError {
  constructor(message: string) {
    super(message);
    this.name = 'PathEscapeError';
  }
}

/** Resolves `path` and refuses it unless it stays inside `root` (which is already a real path). */
export async function confined(root: string, path: string, shown: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new SourceError(`${shown}: does not exist at this commit (or is a dangling symlink)`);
  }
  const inside = relative(root, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || inside.startsWith(sep) || /^[A-Za-z]:/.test(inside)) {
    throw new PathEscapeError(`${shown}: symlink resolves outside the repository`);
  }
  return real;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
