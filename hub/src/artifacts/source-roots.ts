import { posix } from 'node:path';
import { parse } from 'yaml';
import {
  KUSTOMIZATION_FILES,
  KUSTOMIZATION_PLUGIN_FIELDS,
  KUSTOMIZATION_REFERENCE_FIELDS,
  kustomizationFileReferences,
  looksRemote,
} from '#core';
import type { RenderKindSpec } from '../fleet-repo/fleet-format';

/** What packing needs to read of one commit. */
export interface CommitReader {
  /** 'tree' or 'blob' for each path that exists at the commit ('' is the root). */
  typesOf(paths: readonly string[]): Promise<Map<string, 'tree' | 'blob'>>;
  /** A small file's text (a kustomization); undefined when it is not a file or too large. */
  readSmallFile(path: string): Promise<string | undefined>;
}

/** Kustomizations followed from one bundle before giving up (a guard against reference fans). */
const MAX_KUSTOMIZATIONS = 1000;

/**
 * The repository paths a bundle's artifact holds: its source path and, for Kustomize, every
 * directory and file outside it that a kustomization reachable from it refers to (bases,
 * components, resources, patches, generator files). Remote references and paths that do not
 * exist are left to the agent, whose renderer reports them. Helm charts must vendor their
 * dependencies under the chart, so a chart is its path alone, as is a directory of manifests.
 * Sorted, and none inside another.
 */
export async function sourceRoots(reader: CommitReader, path: string, kind: RenderKindSpec): Promise<string[]> {
  const roots = new Set<string>([path]);
  if (kind === 'kustomize') await followKustomizations(reader, path, roots);
  return outermost([...roots]);
}

async function followKustomizations(reader: CommitReader, start: string, roots: Set<string>): Promise<void> {
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0 && seen.size < MAX_KUSTOMIZATIONS) {
    const dir = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const kustomization = await readKustomization(reader, dir);
    if (kustomization === undefined) continue;
    const directories: string[] = [];
    const files: string[] = [];
    for (const field of KUSTOMIZATION_REFERENCE_FIELDS) {
      const entries = kustomization[field];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) if (typeof entry === 'string' && !looksRemote(entry)) directories.push(entry);
    }
    for (const [field, entry] of kustomizationFileReferences(kustomization)) {
      if (looksRemote(entry)) continue;
      (KUSTOMIZATION_PLUGIN_FIELDS.has(field) ? directories : files).push(entry);
    }
    const resolved = [...directories, ...files].flatMap((entry) => {
      const target = inside(dir, entry);
      return target === undefined ? [] : [target];
    });
    const types = await reader.typesOf(resolved);
    for (const target of resolved) {
      const type = types.get(target);
      if (type === undefined) continue;
      roots.add(target);
      if (type === 'tree') queue.push(target);
    }
  }
}

async function readKustomization(reader: CommitReader, dir: string): Promise<Record<string, unknown> | undefined> {
  const candidates = KUSTOMIZATION_FILES.map((name) => (dir ? `${dir}/${name}` : name));
  const types = await reader.typesOf(candidates);
  const file = candidates.find((c) => types.get(c) === 'blob');
  if (file === undefined) return undefined;
  const text = await reader.readSmallFile(file);
  if (text === undefined) return undefined;
  try {
    const value: unknown = parse(text, { maxAliasCount: 100 });
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // the agent's renderer reports it, with kustomize's own words
  }
}

/** A reference of a kustomization in `dir`, repository-relative; undefined when it leaves the repository. */
function inside(dir: string, entry: string): string | undefined {
  if (entry.startsWith('/') || entry.includes('\0')) return undefined;
  const path = posix.normalize(posix.join(dir || '.', entry));
  if (path === '..' || path.startsWith('../')) return undefined;
  return path === '.' ? '' : path.replace(/\/$/, '');
}

/** The paths that are not inside another one of them, sorted. */
export function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  if (sorted.includes('')) return [''];
  const kept: string[] = [];
  for (const path of sorted) if (!kept.some((k) => isUnder(path, k))) kept.push(path);
  return kept;
}

/** Whether a repository-relative path is `root` or inside it ('' is the whole repository). */
export function isUnder(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}/`);
}
