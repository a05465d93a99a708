import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, symlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ARTIFACT_DIGEST, ArtifactFormatError, ArtifactTarReader, type ArtifactEntry } from '#core';
import type { Checkout } from './git-cache';
import { SourceError } from './limits';

/** Where artifacts come from: the hub (FleetLink.fetchArtifact), as their gzip stream. */
export interface ArtifactSource {
  fetchArtifact(digest: string): AsyncIterable<Buffer>;
}

/** Bounds on one artifact, checked while it streams in (the hub's own limits are lower). */
export interface ArtifactLimits {
  maxCompressedBytes: number;
  maxBytes: number;
  maxFiles: number;
  maxFileBytes: number;
  maxDepth: number;
}

export function defaultArtifactLimits(): ArtifactLimits {
  return {
    maxCompressedBytes: 128 * 1024 * 1024,
    maxBytes: 256 * 1024 * 1024,
    maxFiles: 50_000,
    maxFileBytes: 64 * 1024 * 1024,
    maxDepth: 64,
  };
}

/** The artifact a target names (proto SourceArtifact). */
export interface ArtifactRef {
  digest: string;
  /** Bytes of the uncompressed tar, decimal. */
  size: string;
  /** Bytes of the gzip stream, decimal. */
  compressedSize: string;
}

/** An artifact that could not be fetched now (hub away, transfer cut): retrying may help. */
export class ArtifactUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactUnavailableError';
  }
}

/**
 * Artifacts by digest, fetched from the hub once and kept on disk as the tree they hold: the
 * agent goes on rendering from them while the hub is away. What arrives is hostile until
 * proven otherwise: the gzip stream and the tar inside are bounded as they stream (sizes the
 * target declares, and the agent's own limits: a zip bomb stops at the declared size), every
 * entry is checked (artifact-tar.ts: no absolute path, no "..", no link leading out, no
 * device file), the tree goes to a staging directory and only moves into place once the
 * digest of everything read equals the one asked for. A refused artifact leaves nothing.
 */
export class ArtifactCache {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly leases = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly source: ArtifactSource,
    private readonly limits: ArtifactLimits = defaultArtifactLimits(),
  ) {}

  /** The artifact's tree on disk (fetched if needed). Release it when done. */
  async checkout(artifact: ArtifactRef): Promise<Checkout> {
    if (!ARTIFACT_DIGEST.test(artifact.digest))
      throw new SourceError(`artifact digest "${artifact.digest.slice(0, 80)}" is not sha256:<hex>`);
    const root = this.rootOf(artifact.digest);
    this.leases.set(root, (this.leases.get(root) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const count = (this.leases.get(root) ?? 1) - 1;
      if (count <= 0) this.leases.delete(root);
      else this.leases.set(root, count);
    };
    try {
      if (!existsSync(root)) {
        let fetching = this.inFlight.get(artifact.digest);
        if (fetching === undefined) {
          fetching = this.fetch(artifact, root).finally(() => this.inFlight.delete(artifact.digest));
          this.inFlight.set(artifact.digest, fetching);
        }
        await fetching;
      }
    } catch (error) {
      release();
      throw error;
    }
    return { root, release };
  }

  /** Deletes artifacts not in `keep` (digests) that nobody holds. */
  async prune(keep: Iterable<string>): Promise<void> {
    const wanted = new Set([...keep].map((digest) => this.rootOf(digest)));
    if (!existsSync(this.dir)) return;
    for (const name of await readdir(this.dir)) {
      const root = join(this.dir, name);
      if (wanted.has(root) || this.leases.has(root) || this.inFlight.size > 0) continue;
      await rm(root, { recursive: true, force: true });
    }
  }

  private rootOf(digest: string): string {
    return join(this.dir, digest.slice('sha256:'.length));
  }

  private async fetch(artifact: ArtifactRef, root: string): Promise<void> {
    const declared = { size: Number(artifact.size), compressed: Number(artifact.compressedSize) };
    const maxBytes = Math.min(this.limits.maxBytes, Number.isSafeInteger(declared.size) && declared.size > 0 ? declared.size : Infinity);
    const maxCompressed = Math.min(
      this.limits.maxCompressedBytes,
      Number.isSafeInteger(declared.compressed) && declared.compressed > 0 ? declared.compressed : Infinity,
    );
    const staging = `${root}.tmp-${randomBytes(4).toString('hex')}`;
    await mkdir(staging, { recursive: true });
    const writer = new TreeWriter(staging);
    const reader = new ArtifactTarReader(writer, {
      maxFiles: this.limits.maxFiles,
      maxFileBytes: this.limits.maxFileBytes,
      maxTotalBytes: maxBytes,
      maxDepth: this.limits.maxDepth,
    });
    let received = 0;
    const bounded = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > maxCompressed)
          callback(new ArtifactFormatError(`compressed stream larger than the ${maxCompressed} bytes declared`));
        else callback(null, chunk);
      },
    });
    try {
      // What the archive itself was refused for, kept: the pipeline then rejects with its own abort.
      let refused: unknown;
      try {
        await pipeline(
          Readable.from(this.source.fetchArtifact(artifact.digest)),
          bounded,
          createGunzip(),
          async (tar: AsyncIterable<Buffer>) => {
            try {
              for await (const piece of tar) await reader.push(piece);
            } catch (error) {
              refused = error;
              throw error;
            }
          },
        );
      } catch (error) {
        throw classify(refused ?? error, artifact.digest);
      }
      let digest: string;
      try {
        digest = await reader.finish();
      } catch (error) {
        throw classify(error, artifact.digest);
      }
      if (digest !== artifact.digest)
        throw new ArtifactUnavailableError(`artifact ${artifact.digest}: what arrived has digest ${digest}; refused`);
      await writer.close();
      await rename(staging, root);
    } catch (error) {
      await writer.close().catch(() => {});
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
}

/** A hostile or malformed archive is the content's fault (a SourceError); anything else may pass on retry. */
function classify(error: unknown, digest: string): Error {
  if (error instanceof ArtifactFormatError) return new SourceError(`artifact ${digest} refused: ${error.message}`);
  const code = (error as { code?: string }).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR')
    return new SourceError(`artifact ${digest} refused: not a gzip stream (${(error as Error).message})`);
  if (error instanceof SourceError || error instanceof ArtifactUnavailableError) return error;
  return new ArtifactUnavailableError(`artifact ${digest} could not be fetched from the hub: ${(error as Error).message}`);
}

/** Writes the entries the reader hands over into a fresh directory (nothing is ever overwritten). */
class TreeWriter {
  private file: FileHandle | undefined;

  constructor(private readonly root: string) {}

  async entry(entry: ArtifactEntry): Promise<void> {
    await this.close();
    const path = join(this.root, ...entry.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    if (entry.kind === 'symlink') {
      await symlink(entry.target, path);
      return;
    }
    // "wx": fails if anything is there already — never writes through a link.
    this.file = await open(path, 'wx', entry.executable ? 0o755 : 0o644);
  }

  async data(chunk: Buffer): Promise<void> {
    await this.file?.write(chunk);
  }

  async end(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }
}
