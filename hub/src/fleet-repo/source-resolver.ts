import { stripUserinfo } from '#core';
import type { BundleDocument, FleetError } from './fleet-format';
import { commitTreeOf, sourcePathProblem } from './fleet-snapshot';
import type { RepositoryMirror } from './git-mirror';

/** Where one bundle's source stands now: the repository and ref it names, resolved. */
export interface ResolvedSource {
  url: string;
  ref: string;
  commit: string;
}

/**
 * Gives every bundle of a fleet commit an exact source: the fleet commit itself, or the
 * commit its `source.repo.ref` points at now in the other repository, where its path must
 * exist. Errors name the bundle's file, line and field.
 */
export async function resolveSources(
  docs: BundleDocument[],
  fleet: { name: string; url: string; branch: string; commit: string },
  mirrorOf: (url: string) => RepositoryMirror,
): Promise<{ bundles: BundleDocument[]; errors: FleetError[]; sources: ResolvedSource[] }> {
  const errors: FleetError[] = [];
  const sources = new Map<string, ResolvedSource>();
  const bundles: BundleDocument[] = [];
  for (const doc of docs) {
    const spec = structuredClone(doc.bundle);
    spec.fleetRepo = fleet.name;
    if (doc.sourceRepoUrl === undefined) {
      spec.source = { repoUrl: stripUserinfo(fleet.url), commit: fleet.commit, path: spec.sourcePath, ref: fleet.branch };
      bundles.push({ ...doc, bundle: spec });
      continue;
    }
    const url = doc.sourceRepoUrl;
    const ref = spec.source.ref;
    const key = `${url}\0${ref}`;
    try {
      const mirror = mirrorOf(url);
      let resolved = sources.get(key);
      if (resolved === undefined) {
        resolved = { url, ref, commit: await mirror.resolveRef(ref) };
        sources.set(key, resolved);
      }
      const tree = commitTreeOf(await mirror.pathTypes(resolved.commit, [spec.sourcePath]));
      const problem = sourcePathProblem(doc, tree, `${ref} (${resolved.commit.slice(0, 12)}) of ${stripUserinfo(url)}`);
      if (problem !== undefined) {
        errors.push(problem);
        continue;
      }
      spec.source = { repoUrl: stripUserinfo(url), commit: resolved.commit, path: spec.sourcePath, ref };
      bundles.push({ ...doc, bundle: spec });
    } catch (error) {
      errors.push({
        file: doc.file,
        line: doc.fieldLines['spec.source.repo.ref'] ?? doc.line,
        field: 'spec.source.repo.ref',
        message: (error as Error).message,
      });
    }
  }
  return { bundles, errors, sources: [...sources.values()] };
}
