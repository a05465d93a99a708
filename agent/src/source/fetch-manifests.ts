import type { GitCache } from './git-cache';
import { SourceError, type SourceLimits } from './limits';
import { readManifests, type Manifest } from './manifest-reader';
import { normaliseSourcePath } from './source-path';

export interface ManifestSource {
  repoUrl: string;
  commit: string;
  path: string;
}

/** Fetches the source at its exact commit and reads its manifests (the path is checked first). */
export async function fetchManifests(cache: GitCache, source: ManifestSource, limits: SourceLimits): Promise<Manifest[]> {
  if (!source.repoUrl) throw new SourceError('target has no repository URL');
  const path = normaliseSourcePath(source.path);
  const checkout = await cache.checkout(source.repoUrl, source.commit);
  try {
    return await readManifests(checkout.root, path, limits);
  } finally {
    checkout.release();
  }
}
