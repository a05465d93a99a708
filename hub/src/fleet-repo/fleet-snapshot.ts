import { type BundleDocument, type ClusterGroupDocument, type FleetError } from './fleet-format';
import { parseFleetFile } from './fleet-parser';

export interface FleetFile {
  /** Path inside the repository, e.g. "fleet/web.yaml". */
  path: string;
  text: string;
}

/** What the hub needs to know about the tree of one commit, beyond the fleet files. */
export interface CommitTree {
  /** "tree" for a directory, "blob" for a file, undefined when nothing is at that path. */
  typeOf(path: string): 'tree' | 'blob' | undefined;
}

export type FleetSnapshot = { ok: true; bundles: BundleDocument[]; groups: ClusterGroupDocument[] } | { ok: false; errors: FleetError[] };

/**
 * Validates the fleet files of one commit of one fleet repository as a whole: every file on
 * its own, then names unique across files and every source path in this repository existing
 * as a directory. References (dependsOn, clusterGroup) may cross fleet repositories and are
 * checked with all of them (fleet-references.ts); sources in other repositories are checked
 * at their resolved commit (source-resolver.ts).
 */
export function readFleetSnapshot(files: FleetFile[], tree: CommitTree): FleetSnapshot {
  const errors: FleetError[] = [];
  const bundles: BundleDocument[] = [];
  const groups: ClusterGroupDocument[] = [];
  const seenBundles = new Map<string, BundleDocument>();
  const seenGroups = new Map<string, ClusterGroupDocument>();

  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const parsed = parseFleetFile(file.path, file.text);
    errors.push(...parsed.errors);
    for (const doc of parsed.groups) {
      const first = seenGroups.get(doc.group.name);
      if (first !== undefined) {
        errors.push(duplicate(doc, 'cluster group', doc.group.name, first));
        continue;
      }
      seenGroups.set(doc.group.name, doc);
      groups.push(doc);
    }
    for (const doc of parsed.bundles) {
      const first = seenBundles.get(doc.bundle.name);
      if (first !== undefined) {
        errors.push(duplicate(doc, 'bundle', doc.bundle.name, first));
        continue;
      }
      seenBundles.set(doc.bundle.name, doc);
      const problem = doc.sourceRepoUrl === undefined ? sourcePathProblem(doc, tree, 'this commit') : undefined;
      if (problem !== undefined) {
        errors.push(problem);
        continue;
      }
      bundles.push(doc);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, bundles, groups };
}

/** Source paths in this repository that the bundles of `files` name (to look up before readFleetSnapshot). */
export function localSourcePaths(files: FleetFile[]): string[] {
  const paths = new Set<string>();
  for (const file of files)
    for (const doc of parseFleetFile(file.path, file.text).bundles) if (doc.sourceRepoUrl === undefined) paths.add(doc.bundle.sourcePath);
  return [...paths];
}

/** A CommitTree of known path types (from GitMirror.pathTypes). */
export function commitTreeOf(types: ReadonlyMap<string, 'tree' | 'blob'>): CommitTree {
  return { typeOf: (path) => (path === '.' || path === '' ? 'tree' : types.get(path)) };
}

/** An error when the bundle's source path is not a directory in `tree`. */
export function sourcePathProblem(doc: BundleDocument, tree: CommitTree, where: string): FleetError | undefined {
  const pathType = tree.typeOf(doc.bundle.sourcePath);
  if (pathType === 'tree') return undefined;
  return {
    file: doc.file,
    line: doc.sourcePathLine,
    field: 'spec.source.path',
    message:
      pathType === undefined ? `"${doc.bundle.sourcePath}" does not exist at ${where}` : `"${doc.bundle.sourcePath}" is not a directory`,
  };
}

function duplicate(doc: { file: string; nameLine: number }, what: string, name: string, first: { file: string; line: number }): FleetError {
  return {
    file: doc.file,
    line: doc.nameLine,
    field: 'metadata.name',
    message: `duplicate ${what} name "${name}" (first defined at ${first.file}:${first.line})`,
  };
}
