import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import { artifactDigest, canonicalJson, symlinkDestination, writeArtifactTar, type ArtifactFile } from '#core';
import type { RenderKindSpec } from '../fleet-repo/fleet-format';
import type { RepositoryMirror, TreeEntry } from '../fleet-repo/git-mirror';
import { LOGGER, type Logger } from '../logging/logger';
import { ArtifactStore, type ArtifactRef } from './artifact-store';
import { HUB_POLICY_LIMITS, isManifestFile, type PlainFile } from './manifest-policy';
import { isUnder, outermost, sourceRoots, type CommitReader } from './source-roots';

const gzipAsync = promisify(gzip);

/** Bounds on one artifact, enforced while listing and reading (docs/protocol.md "Artifacts"). */
export const DEFAULT_ARTIFACT_LIMITS = {
  /** Files (and links) in one artifact. */
  maxFiles: 20_000,
  /** The files' bytes together. */
  maxBytes: 128 * 1024 * 1024,
  /** A kustomization read to follow its references. */
  maxKustomizationBytes: 1024 * 1024,
  /** Rounds of following symbolic links to paths outside what is packed. */
  maxLinkRounds: 8,
};

/** A bundle's source that cannot be packed: too large, unreadable. Its message names the limit. */
export class ArtifactPackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactPackError';
  }
}

export interface PackRequest {
  mirror: RepositoryMirror;
  commit: string;
  /** The bundle's source path, repository-relative ('' = root). */
  path: string;
  kind: RenderKindSpec;
}

/**
 * Packs a bundle's source into an artifact: the files of its path at the commit and what a
 * kustomization there refers to (source-roots.ts), plus the targets of symbolic links that
 * lead elsewhere in the repository. Content is identified before anything is read: the Git
 * object ids of those paths, hashed with the render kind (the content key). A key packed
 * before — at any commit, by any replica — is found in the store and nothing is read; a commit
 * is therefore packed at most once per content, and a commit that leaves a bundle's files as
 * they were gives it the same digest.
 */
@Injectable()
export class ArtifactPacker {
  private readonly log: Logger;
  /** Bounds on one artifact (DEFAULT_ARTIFACT_LIMITS). */
  limits = { ...DEFAULT_ARTIFACT_LIMITS };
  /** commit + path + kind → artifact: a commit never changes, so this never goes stale. */
  private readonly known = new Map<string, ArtifactRef>();
  /**
   * The files of the artifact built last, which the policy check of the same bundle reads next
   * (plainFiles): listed and read once instead of twice, each a git process.
   */
  private lastBuilt: { memo: string; entries: TreeEntry[]; blobs: Map<string, Buffer> } | undefined;
  /**
   * Per bundle source (repository, kind, path, limits): the roots of its last pack, their object
   * ids, and the paths it looked for there and did not find. Everything that decides the roots is
   * in them or among those paths, so at a commit where the roots' ids are the same and those
   * paths are still missing, the roots are the same, and so is the content key: one object-id
   * read instead of listing the source (and reading its links and kustomizations) again.
   */
  private readonly lastRoots = new Map<string, { roots: string[]; ids: string; missing: string[] }>();

  constructor(
    private readonly store: ArtifactStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'artifacts' });
  }

  async pack(request: PackRequest): Promise<ArtifactRef> {
    const memo = memoOf(request);
    this.lastBuilt = undefined;
    const known = this.known.get(memo);
    if (known !== undefined) return known;
    await this.findUnchanged([request]);
    const found = this.known.get(memo);
    if (found !== undefined) return found;
    const missing = new Set<string>();
    const reader = commitReader(request.mirror, request.commit, this.limits.maxKustomizationBytes, missing);
    let roots = await sourceRoots(reader, request.path, request.kind);
    let entries = await this.list(request, roots);
    // Links that lead to paths not packed yet bring those paths in (bounded rounds).
    for (let round = 0; round < this.limits.maxLinkRounds; round++) {
      const more = await linkedOutside(request, entries, roots, this.limits.maxKustomizationBytes);
      if (more.length === 0) break;
      const types = await reader.typesOf(more);
      const existing = more.filter((p) => types.has(p));
      if (existing.length === 0) break;
      roots = outermost([...roots, ...existing]);
      entries = await this.list(request, roots);
    }
    const ids = await request.mirror.objectIds(request.commit, roots);
    const rootIds = idsText(roots, ids);
    const contentKey = contentKeyOf(request.kind, rootIds);
    const artifact = (await this.store.byContentKey(contentKey)) ?? (await this.build(request, entries, contentKey, memo));
    const slot = this.slotOf(request);
    this.lastRoots.delete(slot);
    this.lastRoots.set(slot, { roots, ids: rootIds, missing: [...missing] });
    if (this.lastRoots.size > 10_000) this.lastRoots.delete(this.lastRoots.keys().next().value as string);
    return this.remember(memo, artifact);
  }

  /**
   * The artifacts of the sources whose roots are as they were at their last pack (lastRoots),
   * found with one object-id read per repository and commit and one lookup in PostgreSQL for all
   * of them, and remembered: pack() then answers those without a git process or a statement of
   * its own. A fleet commit asks this for every bundle at once.
   */
  async findUnchanged(requests: readonly PackRequest[]): Promise<void> {
    const byCommit = new Map<string, { request: PackRequest; last: { roots: string[]; ids: string; missing: string[] } }[]>();
    for (const request of requests) {
      const last = this.known.has(memoOf(request)) ? undefined : this.lastRoots.get(this.slotOf(request));
      if (last === undefined) continue;
      const key = `${request.mirror.url}\n${request.commit}`;
      const group = byCommit.get(key);
      if (group === undefined) byCommit.set(key, [{ request, last }]);
      else group.push({ request, last });
    }
    // A source found changed (or whose artifact is gone) is forgotten here: its pack lists it whole.
    const keyed: { request: PackRequest; contentKey: string }[] = [];
    for (const group of byCommit.values()) {
      const { mirror, commit } = group[0].request;
      const ids = await mirror.objectIds(commit, [...new Set(group.flatMap(({ last }) => [...last.roots, ...last.missing]))]);
      for (const { request, last } of group) {
        if (last.missing.some((path) => ids.has(path)) || idsText(last.roots, ids) !== last.ids)
          this.lastRoots.delete(this.slotOf(request));
        else keyed.push({ request, contentKey: contentKeyOf(request.kind, last.ids) });
      }
    }
    if (keyed.length === 0) return;
    const found = await this.store.byContentKeys(keyed.map((k) => k.contentKey));
    for (const { request, contentKey } of keyed) {
      const artifact = found.get(contentKey);
      if (artifact !== undefined) this.remember(memoOf(request), artifact);
      else this.lastRoots.delete(this.slotOf(request));
    }
  }

  /** Where lastRoots keeps a source: its repository, render kind and path, and the limits it was packed under. */
  private slotOf(request: PackRequest): string {
    return `${request.mirror.url}\n${request.kind}\n${request.path}\n${canonicalJson(this.limits)}`;
  }

  private remember(memo: string, artifact: ArtifactRef): ArtifactRef {
    this.known.set(memo, artifact);
    if (this.known.size > 10_000) this.known.delete(this.known.keys().next().value as string);
    return artifact;
  }

  /** The small manifest files under a plain bundle's path (not links, HUB_POLICY_LIMITS): what the hub judges by the policy. */
  async plainFiles(request: PackRequest): Promise<PlainFile[]> {
    const built = this.lastBuilt?.memo === memoOf(request) ? this.lastBuilt : undefined;
    this.lastBuilt = undefined;
    // The artifact's roots hold the bundle's path whole: its entries under the path are its listing.
    const listed = built?.entries.filter((e) => isUnder(e.path, request.path)) ?? (await this.list(request, [request.path]));
    let total = 0;
    const small = listed
      .filter((e) => e.type === 'blob' && e.mode !== '120000' && isManifestFile(e.path) && e.size <= HUB_POLICY_LIMITS.maxFileBytes)
      .filter((e) => (total += e.size) <= HUB_POLICY_LIMITS.maxTotalBytes);
    const blobs = built !== undefined && small.every((e) => built.blobs.has(e.oid)) ? built.blobs : await this.readBlobs(request, small);
    return small.map((e) => ({ path: e.path, data: blobs.get(e.oid) ?? Buffer.alloc(0) }));
  }

  /** The blobs of the entries, by object id, within the artifact's byte bound. */
  private async readBlobs(request: PackRequest, entries: readonly TreeEntry[]): Promise<Map<string, Buffer>> {
    try {
      return await request.mirror.readBlobs(
        entries.map((e) => e.oid),
        this.limits.maxBytes,
      );
    } catch (error) {
      throw new ArtifactPackError(`source "${request.path || '.'}" at ${request.commit.slice(0, 12)}: ${(error as Error).message}`);
    }
  }

  private async list(request: PackRequest, roots: readonly string[]): Promise<TreeEntry[]> {
    try {
      return await request.mirror.listFiles(request.commit, roots, { maxEntries: this.limits.maxFiles, maxBytes: this.limits.maxBytes });
    } catch (error) {
      throw new ArtifactPackError(`source "${request.path || '.'}" at ${request.commit.slice(0, 12)}: ${(error as Error).message}`);
    }
  }

  private async build(request: PackRequest, entries: TreeEntry[], contentKey: string, memo: string): Promise<ArtifactRef> {
    const started = Date.now();
    const files = entries.filter((e) => e.type === 'blob');
    const blobs = await this.readBlobs(request, files);
    // Only a plain bundle's files are judged by policy; they are let go once judged, or at the next pack.
    this.lastBuilt = request.kind === 'raw' ? { memo, entries, blobs } : undefined;
    const content: ArtifactFile[] = files.map((e) => ({
      path: e.path,
      kind: e.mode === '120000' ? 'symlink' : 'file',
      data: blobs.get(e.oid) ?? Buffer.alloc(0),
      executable: e.mode === '100755',
    }));
    let tar: Buffer;
    try {
      tar = writeArtifactTar(content);
    } catch (error) {
      throw new ArtifactPackError(`source "${request.path || '.'}" at ${request.commit.slice(0, 12)}: ${(error as Error).message}`);
    }
    const digest = artifactDigest(tar);
    const data = await gzipAsync(tar, { level: 9 });
    const stored = await this.store.save({ digest, contentKey, size: tar.length, data });
    this.log.info(
      {
        digest,
        path: request.path,
        commit: request.commit,
        files: content.length,
        bytes: tar.length,
        gzip: data.length,
        ms: Date.now() - started,
      },
      'artifact packed',
    );
    return stored;
  }
}

/** The roots with their object ids, one per line: what the content key is over. */
function idsText(roots: readonly string[], ids: ReadonlyMap<string, { oid: string }>): string {
  return roots.map((r) => `${r}\t${ids.get(r)?.oid ?? 'missing'}`).join('\n');
}

/** The content key: the render kind and the roots' object ids (the same files give the same key, at any commit). */
function contentKeyOf(kind: RenderKindSpec, rootIds: string): string {
  return createHash('sha256').update(`gitfleet-artifact-v1\n${kind}\n${rootIds}`).digest('hex');
}

function memoOf(request: PackRequest): string {
  return `${request.mirror.url}\n${request.commit}\n${request.path}\n${request.kind}`;
}

/** Paths that symbolic links in `entries` lead to, outside every root (repository-relative). */
async function linkedOutside(
  request: PackRequest,
  entries: readonly TreeEntry[],
  roots: readonly string[],
  maxBytes: number,
): Promise<string[]> {
  const links = entries.filter((e) => e.mode === '120000');
  if (links.length === 0) return [];
  let targets: Map<string, Buffer>;
  try {
    targets = await request.mirror.readBlobs(
      links.map((l) => l.oid),
      maxBytes,
    );
  } catch (error) {
    throw new ArtifactPackError(
      `source "${request.path || '.'}" at ${request.commit.slice(0, 12)}: symbolic links: ${(error as Error).message}`,
    );
  }
  const within = (path: string) => roots.some((r) => isUnder(path, r));
  const outside = new Set<string>();
  for (const link of links) {
    const destination = symlinkDestination(link.path, targets.get(link.oid)?.toString('utf8') ?? '');
    if (destination !== undefined && destination !== '' && !within(destination)) outside.add(destination);
  }
  return [...outside];
}

/** A CommitReader over a mirror at one commit; every path it is asked the type of and does not find goes into `missing`. */
function commitReader(mirror: RepositoryMirror, commit: string, maxFileBytes: number, missing: Set<string>): CommitReader {
  return {
    async typesOf(paths) {
      const ids = await mirror.objectIds(commit, paths);
      const types = new Map<string, 'tree' | 'blob'>();
      for (const [path, { type }] of ids) if (type === 'tree' || type === 'blob') types.set(path, type);
      for (const path of paths) if (!types.has(path)) missing.add(path);
      return types;
    },
    async readSmallFile(path) {
      const ids = await mirror.objectIds(commit, [path]);
      const id = ids.get(path);
      if (id?.type !== 'blob') return undefined;
      try {
        return (await mirror.readBlobs([id.oid], maxFileBytes)).get(id.oid)?.toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
