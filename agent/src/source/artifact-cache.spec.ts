import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactDigest, writeArtifactTar, type ArtifactFile } from '#core';
import { ArtifactCache, ArtifactUnavailableError, type ArtifactRef } from './artifact-cache';
import { fetchManifestsFromArtifact } from './fetch-manifests';
import { defaultSourceLimits, SourceError } from './limits';

let dir: string;
const served = new Map<string, Buffer>();
let fetches: string[];
let hubAway: boolean;

const source = {
  async *fetchArtifact(digest: string): AsyncIterable<Buffer> {
    fetches.push(digest);
    if (hubAway) throw new Error('14 UNAVAILABLE: No connection established');
    const data = served.get(digest);
    if (data === undefined) throw new Error("7 PERMISSION_DENIED: artifact not in this cluster's TargetSet");
    for (let i = 0; i < data.length; i += 333) yield data.subarray(i, i + 333);
  },
};

/** Packs files as the hub does and serves them; the ref a target would carry. */
function publish(files: ArtifactFile[]): ArtifactRef {
  const tar = writeArtifactTar(files);
  return serve(tar, artifactDigest(tar));
}

function serve(tar: Buffer, digest: string, gzip = gzipSync(tar)): ArtifactRef {
  served.set(digest, gzip);
  return { digest, size: String(tar.length), compressedSize: String(gzip.length) };
}

const text = (path: string, content: string): ArtifactFile => ({ path, kind: 'file', data: Buffer.from(content) });
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitfleet-artifacts-'));
  served.clear();
  fetches = [];
  hubAway = false;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The cache directory holds nothing but finished artifacts (no staging left behind). */
async function leftovers(): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).filter((name) => name.includes('.tmp-')) : [];
}

describe('ArtifactCache', () => {
  it('fetches an artifact once, renders it like a checkout, and keeps working from the cache while the hub is away', async () => {
    const artifact = publish([
      text('apps/web/cm.yaml', configMap('web')),
      text('base/shared.yaml', configMap('shared')),
      { path: 'apps/web/shared.yaml', kind: 'symlink', data: Buffer.from('../../base/shared.yaml') },
    ]);
    const cache = new ArtifactCache(dir, source);
    const read = () => fetchManifestsFromArtifact(cache, artifact, { path: 'apps/web', values: {} }, defaultSourceLimits());
    expect((await read()).map((m) => `${m.file}:${m.object.metadata.name}`)).toEqual([
      'apps/web/cm.yaml:web',
      'apps/web/shared.yaml:shared',
    ]);
    hubAway = true;
    expect((await read()).map((m) => m.object.metadata.name)).toEqual(['web', 'shared']);
    expect(fetches).toEqual([artifact.digest]);
    const root = join(dir, artifact.digest.slice('sha256:'.length));
    expect(await readlink(join(root, 'apps/web/shared.yaml'))).toBe('../../base/shared.yaml');
  });

  it('shares one fetch between concurrent checkouts of the same digest', async () => {
    const artifact = publish([text('a/x.yaml', configMap('x'))]);
    const cache = new ArtifactCache(dir, source);
    const [one, two] = await Promise.all([cache.checkout(artifact), cache.checkout(artifact)]);
    expect(one.root).toBe(two.root);
    expect(fetches).toHaveLength(1);
  });

  it('says the hub is away when an artifact is not cached, as a retryable error', async () => {
    hubAway = true;
    const artifact = publish([text('a/x.yaml', 'x: 1\n')]);
    const error = await new ArtifactCache(dir, source).checkout(artifact).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactUnavailableError);
    expect((error as Error).message).toMatch(/could not be fetched from the hub: 14 UNAVAILABLE/);
    expect(await leftovers()).toEqual([]);
  });

  describe('refuses, leaving nothing behind', () => {
    it('content whose digest is not the one asked for', async () => {
      const tar = writeArtifactTar([text('a/x.yaml', 'x: 1\n')]);
      const claimed = `sha256:${'0'.repeat(64)}`;
      const artifact = serve(tar, claimed);
      const error = await new ArtifactCache(dir, source).checkout(artifact).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(new RegExp(`what arrived has digest ${artifactDigest(tar)}; refused`));
      expect(await readdir(dir)).toEqual([]);
    });

    it('a zip bomb: stopped at the size the target declares', async () => {
      const bomb = writeArtifactTar([text('a/big.yaml', 'x'.repeat(50 * 1024 * 1024))]);
      const artifact = { ...serve(bomb, artifactDigest(bomb)), size: '10240' };
      expect(Number(artifact.compressedSize)).toBeLessThan(200 * 1024);
      const error = await new ArtifactCache(dir, source).checkout(artifact).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect((error as Error).message).toMatch(/refused: larger than the limit of 10240 bytes/);
      expect(await readdir(dir)).toEqual([]);
    });

    it('a compressed stream longer than declared', async () => {
      const tar = writeArtifactTar([text('a/x.yaml', 'x: 1\n')]);
      const artifact = { ...serve(tar, artifactDigest(tar)), compressedSize: '10' };
      await expect(new ArtifactCache(dir, source).checkout(artifact)).rejects.toThrow(
        /compressed stream larger than the 10 bytes declared/,
      );
      expect(await readdir(dir)).toEqual([]);
    });

    it('a stream that is not gzip', async () => {
      const tar = writeArtifactTar([text('a/x.yaml', 'x: 1\n')]);
      const artifact = serve(tar, artifactDigest(tar), Buffer.from('plain text, not gzip'));
      await expect(new ArtifactCache(dir, source).checkout(artifact)).rejects.toThrow(/refused: not a gzip stream/);
    });

    it.each([
      ['a path with ".."', 'apps/../../escape', 'file'],
      ['a link leading out', 'apps/out', '../../../etc/passwd'],
      ['an absolute link', 'apps/abs', '/etc/passwd'],
    ])('%s', async (_what, path, link) => {
      // Built by hand: the hub's writer refuses to write these.
      const header = Buffer.alloc(512);
      header.write(path, 0);
      header.write('0000644\0', 100);
      header.write('0000000\0', 108);
      header.write('0000000\0', 116);
      header.write('00000000000\0', 124);
      header.write('00000000000\0', 136);
      header.fill(' ', 148, 156);
      header.write(link === 'file' ? '0' : '2', 156);
      if (link !== 'file') header.write(link, 157);
      header.write('ustar\0', 257);
      header.write('00', 263);
      let sum = 0;
      for (const byte of header) sum += byte;
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      const tar = Buffer.concat([header, Buffer.alloc(1024)]);
      const artifact = serve(tar, artifactDigest(tar));
      const error = await new ArtifactCache(dir, source).checkout(artifact).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect((error as Error).message).toMatch(/refused: .*(segment "\.\."|leads out of the artifact)/);
      expect(await readdir(dir)).toEqual([]);
    });
  });

  it('prunes what the TargetSet no longer names', async () => {
    const keep = publish([text('a/keep.yaml', 'k: 1\n')]);
    const drop = publish([text('a/drop.yaml', 'd: 1\n')]);
    const cache = new ArtifactCache(dir, source);
    (await cache.checkout(keep)).release();
    (await cache.checkout(drop)).release();
    await cache.prune([keep.digest]);
    expect(await readdir(dir)).toEqual([keep.digest.slice('sha256:'.length)]);
    expect(await readFile(join(dir, keep.digest.slice('sha256:'.length), 'a/keep.yaml'), 'utf8')).toBe('k: 1\n');
  });
});
