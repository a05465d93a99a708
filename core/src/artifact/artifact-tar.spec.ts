import { describe, expect, it } from 'vitest';
import {
  artifactDigest,
  ArtifactFormatError,
  ArtifactTarReader,
  writeArtifactTar,
  type ArtifactEntry,
  type ArtifactFile,
  type ArtifactReadLimits,
} from './artifact-tar';

const LIMITS: ArtifactReadLimits = { maxFiles: 100, maxFileBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024, maxDepth: 16 };

const file = (path: string, text: string, executable = false): ArtifactFile => ({
  path,
  kind: 'file',
  data: Buffer.from(text),
  executable,
});

/** Reads a tar in pieces of `piece` bytes; the entries with their data, and the digest. */
async function read(
  tar: Buffer,
  limits = LIMITS,
  piece = 700,
): Promise<{ entries: (ArtifactEntry & { data?: string })[]; digest: string }> {
  const entries: (ArtifactEntry & { data?: string })[] = [];
  let current: Buffer[] = [];
  const reader = new ArtifactTarReader(
    {
      entry: (entry) => {
        entries.push({ ...entry });
        current = [];
      },
      data: (chunk) => {
        current.push(Buffer.from(chunk));
      },
      end: () => {
        entries.at(-1)!.data = Buffer.concat(current).toString();
      },
    },
    limits,
  );
  for (let i = 0; i < tar.length; i += piece) await reader.push(tar.subarray(i, i + piece));
  return { entries, digest: await reader.finish() };
}

/** A raw ustar header, for archives the writer would never make. */
function rawHeader(path: string, type: string, size = 0, linkname = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(path, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii');
  block.fill(' ', 148, 156);
  block.write(type, 156, 'ascii');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function archive(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

describe('artifact tar', () => {
  it('is the same bytes for the same files, whatever order they come in, and reads back exactly', async () => {
    const files = [file('apps/web/b.yaml', 'b: 2\n'), file('apps/web/a.yaml', 'a: 1\n'), file('tools/run.sh', '#!/bin/sh\n', true)];
    const one = writeArtifactTar(files);
    const two = writeArtifactTar([...files].reverse());
    expect(one.equals(two)).toBe(true);
    expect(artifactDigest(one)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { entries, digest } = await read(one);
    expect(digest).toBe(artifactDigest(one));
    expect(entries).toEqual([
      { kind: 'file', path: 'apps/web/a.yaml', executable: false, size: 5, data: 'a: 1\n' },
      { kind: 'file', path: 'apps/web/b.yaml', executable: false, size: 5, data: 'b: 2\n' },
      { kind: 'file', path: 'tools/run.sh', executable: true, size: 10, data: '#!/bin/sh\n' },
    ]);
    expect(artifactDigest(writeArtifactTar([file('apps/web/a.yaml', 'a: 9\n')]))).not.toBe(artifactDigest(one));
  });

  it('keeps long paths (ustar prefix) and links inside the tree', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(50)}.yaml`;
    const tar = writeArtifactTar([file(deep, 'x: 1\n'), { path: 'apps/web/shared', kind: 'symlink', data: Buffer.from('../common') }]);
    const { entries } = await read(tar, LIMITS, 97);
    expect(entries.map((e) => e.path)).toEqual(['apps/web/shared', deep]);
    expect(entries[0]).toMatchObject({ kind: 'symlink', target: '../common' });
  });

  it('refuses to write what could not be read back', () => {
    expect(() => writeArtifactTar([file('../etc/passwd', '')])).toThrow(/"\.\."/);
    expect(() => writeArtifactTar([file('/abs', '')])).toThrow(/absolute/);
    expect(() => writeArtifactTar([file('a', ''), file('a', '')])).toThrow(/twice/);
  });

  describe('refuses hostile archives, naming the entry', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['an absolute path', archive(rawHeader('/etc/cron.d/x', '0')), /absolute path/],
      ['a ".." segment', archive(rawHeader('apps/../../x', '0')), /segment "\.\."/],
      ['a link out of the tree', archive(rawHeader('apps/evil', '2', 0, '../../etc')), /leads out of the artifact/],
      ['an absolute link', archive(rawHeader('apps/evil', '2', 0, '/etc/passwd')), /leads out of the artifact/],
      ['a file under a link', archive(rawHeader('apps/l', '2', 0, 'x'), rawHeader('apps/l/f', '0')), /under the symbolic link "apps\/l"/],
      ['a hard link', archive(rawHeader('apps/h', '1', 0, 'apps/x')), /a hard link is not allowed/],
      ['a character device', archive(rawHeader('apps/tty', '3')), /a character device is not allowed/],
      ['a block device', archive(rawHeader('apps/sda', '4')), /a block device is not allowed/],
      ['a FIFO', archive(rawHeader('apps/fifo', '6')), /a FIFO is not allowed/],
      ['a pax header', archive(rawHeader('PaxHeader', 'x')), /a pax header is not allowed/],
      ['a control character in a name', archive(rawHeader('apps/\u001b]0;pwned', '0')), /control character/],
      ['a name twice', archive(rawHeader('a', '0'), rawHeader('a', '0')), /listed twice/],
      ['a bad checksum', archive(Buffer.concat([rawHeader('a', '0')]).fill(0x41, 0, 1)), /checksum/],
      ['no end', rawHeader('a', '0'), /truncated/],
      ['data after the end', Buffer.concat([archive(rawHeader('a', '0')), Buffer.from('trailing')]), /after the end/],
      ['not ustar', archive(Buffer.alloc(512, 0x20)), /not a ustar header/],
    ];
    it.each(cases)('%s', async (_what, tar, message) => {
      const error = await read(tar).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArtifactFormatError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/[\u0000-\u001f]/);
    });

    it('stops at the limits while reading: files, a file size, the whole size, depth', async () => {
      const many = writeArtifactTar(Array.from({ length: 5 }, (_, i) => file(`f${i}`, 'x')));
      await expect(read(many, { ...LIMITS, maxFiles: 4 })).rejects.toThrow(/more than 4 files/);
      const big = writeArtifactTar([file('big', 'x'.repeat(2000))]);
      await expect(read(big, { ...LIMITS, maxFileBytes: 1000 })).rejects.toThrow(/"big": 2000 bytes, over the limit of 1000/);
      await expect(read(big, { ...LIMITS, maxTotalBytes: 1500 })).rejects.toThrow(/larger than the limit of 1500 bytes/);
      const deep = writeArtifactTar([file('a/b/c/d/e', 'x')]);
      await expect(read(deep, { ...LIMITS, maxDepth: 4 })).rejects.toThrow(/deeper than 4 levels/);
    });
  });
});
