import { type BundleDocument, type FleetError } from './fleet-format';
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

export type FleetSnapshot =
  | { ok: true; bundles: BundleDocument[] }
  | { ok: false; errors: FleetError[] };

/**
 * Validates the fleet of one commit as a whole: every file on its own, then names unique
 * across files and every source path existing as a directory. Accepted whole or not at all.
 */
export function readFleetSnapshot(files: FleetFile[], tree: CommitTree): FleetSnapshot {
  const errors: FleetError[] = [];
  const bundles: BundleDocument[] = [];
  const seen = new Map<string, BundleDocument>();

  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    const parsed = parseFleetFile(file.path, file.text);
    errors.push(...parsed.errors);
    for (const doc of parsed.bundles) {
      const first = seen.get(doc.bundle.name);
      if (first !== undefined) {
        errors.push({
          file: doc.file,
          line: doc.nameLine,
          field: 'metadata.name',
          message: `duplicate bundle name "${doc.bundle.name}" (first defined at ${first.file}:${first.line})`,
        });
        continue;
      }
      seen.set(doc.bundle.name, doc);
      const pathType = tree.typeOf(doc.bundle.sourcePath);
      if (pathType !== 'tree') {
        errors.push({
          file: doc.file,
          line: doc.sourcePathLine,
          field: 'spec.source.path',
          message: pathType === undefined
            ? `"${doc.bundle.sourcePath}" does not exist at this commit`
            : `"${doc.bundle.sourcePath}" is not a directory`,
        });
        continue;
      }
      bundles.push(doc);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, bundles };
}
