/**
 * The artifact format (docs/protocol.md "Artifacts"): a POSIX ustar archive of regular files
 * and symbolic links with repository-relative paths, written so that the same files give the
 * same bytes on any hub — entries sorted by path (byte order), no directory entries, mode 0644
 * (0755 for executables, 0777 for links), owner 0/0 without names, mtime 0. Its digest is
 * "sha256:" + the hex SHA-256 of those bytes; on the wire it travels gzip-compressed.
 *
 * The reader accepts nothing else: it is what an agent uses on bytes from the network, so
 * every field is checked as it streams in, and limits stop it before memory or disk fill up.
 */
import { createHash } from 'node:crypto';

export const ARTIFACT_DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface ArtifactFile {
  /** Repository-relative path, "/"-separated, no "." or ".." segments. */
  path: string;
  kind: 'file' | 'symlink';
  /** File contents (for a symlink: its target, as Git stores it). */
  data: Buffer;
  executable?: boolean;
}

const BLOCK = 512;
const MAX_PATH = 255;

/** Why a path cannot go into (or come out of) an artifact; undefined when it can. */
export function artifactPathProblem(path: string): string | undefined {
  if (path === '') return 'empty path';
  if (Buffer.byteLength(path) > MAX_PATH) return `path longer than ${MAX_PATH} bytes`;
  if (path.startsWith('/')) return 'absolute path';
  if (/[\0\\]/.test(path)) return 'path holds a NUL or a backslash';
  if (/[\u0001-\u001f\u007f]/.test(path)) return 'path holds a control character';
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return `path segment "${segment}" not allowed`;
  }
  return undefined;
}

/** Where a symlink at `path` pointing at `target` leads, repository-relative; undefined when out of the tree. */
export function symlinkDestination(path: string, target: string): string | undefined {
  if (target === '' || target.startsWith('/') || target.includes('\0')) return undefined;
  const parts = path.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(segment);
  }
  return parts.join('/');
}

/** The artifact's tar bytes for these files (sorted here; paths must be unique and valid). */
export function writeArtifactTar(files: readonly ArtifactFile[]): Buffer {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const blocks: Buffer[] = [];
  let previous: string | undefined;
  for (const file of sorted) {
    const problem = artifactPathProblem(file.path);
    if (problem !== undefined) throw new Error(`"${file.path}": ${problem}`);
    if (file.path === previous) throw new Error(`"${file.path}": listed twice`);
    previous = file.path;
    if (file.kind === 'symlink') {
      if (Buffer.byteLength(file.data) > 100) throw new Error(`"${file.path}": symlink target longer than 100 bytes`);
      blocks.push(header(file.path, '2', 0o777, 0, file.data.toString('utf8')));
    } else {
      blocks.push(header(file.path, '0', file.executable ? 0o755 : 0o644, file.data.length, ''));
      blocks.push(file.data);
      const pad = (BLOCK - (file.data.length % BLOCK)) % BLOCK;
      if (pad > 0) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

export function artifactDigest(tar: Buffer): string {
  return `sha256:${createHash('sha256').update(tar).digest('hex')}`;
}

function header(path: string, type: '0' | '2', mode: number, size: number, linkname: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(path) > 100) {
    // ustar: the path is prefix + "/" + name, name at most 100 bytes, prefix at most 155.
    const cut = path.lastIndexOf('/', path.length - 1);
    let split = cut;
    while (split > 0 && Buffer.byteLength(path.slice(split + 1)) > 100) split = path.lastIndexOf('/', split - 1);
    if (split <= 0 || Buffer.byteLength(path.slice(0, split)) > 155) throw new Error(`"${path}": cannot be written as a ustar path`);
    prefix = path.slice(0, split);
    name = path.slice(split + 1);
  }
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0);
  block.fill(' ', 148, 156);
  block.write(type, 156, 1, 'ascii');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  block.write(prefix, 345, 155, 'utf8');
  writeOctal(block, 148, 7, checksum(block));
  block[155] = 0x20;
  return block;
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'ascii');
  block[offset + length - 1] = 0;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum;
}

/** An archive that is not an artifact, or exceeds a limit: nothing of it may be used. */
export class ArtifactFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactFormatError';
  }
}

export interface ArtifactReadLimits {
  /** Files (and links) in one artifact. */
  maxFiles: number;
  /** Largest single file. */
  maxFileBytes: number;
  /** The whole uncompressed archive. */
  maxTotalBytes: number;
  /** Path segments. */
  maxDepth: number;
}

export type ArtifactEntry =
  { kind: 'file'; path: string; executable: boolean; size: number } | { kind: 'symlink'; path: string; target: string };

export interface ArtifactSink {
  /** A new entry begins; for a file its bytes follow through `data`, then `end`. */
  entry(entry: ArtifactEntry): void | Promise<void>;
  data(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

/**
 * Reads an artifact tar as it streams in (`push` each piece, then `finish`), checking every
 * header, path, link and limit before handing an entry to the sink, and hashing every byte.
 * `finish` returns the digest; the caller compares it with the one it asked for before it
 * uses anything the sink wrote.
 */
export class ArtifactTarReader {
  private readonly hash = createHash('sha256');
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private padding = 0;
  private inFile = false;
  private files = 0;
  private total = 0;
  private zeroBlocks = 0;
  private ended = false;
  private readonly seen = new Set<string>();
  private readonly links = new Set<string>();

  constructor(
    private readonly sink: ArtifactSink,
    private readonly limits: ArtifactReadLimits,
  ) {}

  async push(chunk: Buffer): Promise<void> {
    this.total += chunk.length;
    if (this.total > this.limits.maxTotalBytes)
      throw new ArtifactFormatError(`larger than the limit of ${this.limits.maxTotalBytes} bytes`);
    this.hash.update(chunk);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    await this.drain();
  }

  async finish(): Promise<string> {
    await this.drain();
    if (!this.ended || this.pending.length > 0) throw new ArtifactFormatError('truncated: the archive does not end with two zero blocks');
    return `sha256:${this.hash.digest('hex')}`;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.ended) {
        if (this.pending.some((b) => b !== 0)) throw new ArtifactFormatError('data after the end of the archive');
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.inFile) {
        if (this.remaining > 0) {
          if (this.pending.length === 0) return;
          const take = Math.min(this.remaining, this.pending.length);
          const piece = this.pending.subarray(0, take);
          this.pending = this.pending.subarray(take);
          this.remaining -= take;
          await this.sink.data(piece);
          continue;
        }
        if (this.pending.length < this.padding) return;
        this.pending = this.pending.subarray(this.padding);
        this.inFile = false;
        await this.sink.end();
        continue;
      }
      if (this.pending.length < BLOCK) return;
      const block = this.pending.subarray(0, BLOCK);
      this.pending = this.pending.subarray(BLOCK);
      if (block.every((b) => b === 0)) {
        this.zeroBlocks++;
        if (this.zeroBlocks === 2) this.ended = true;
        continue;
      }
      if (this.zeroBlocks > 0) throw new ArtifactFormatError('a zero block inside the archive');
      await this.header(block);
    }
  }

  private async header(block: Buffer): Promise<void> {
    if (block.toString('ascii', 257, 263) !== 'ustar\0' || block.toString('ascii', 263, 265) !== '00') {
      throw new ArtifactFormatError('not a ustar header');
    }
    if (readOctal(block, 148, 8) !== checksum(block)) throw new ArtifactFormatError('header checksum mismatch');
    const name = cString(block, 0, 100);
    const prefix = cString(block, 345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(block[156]);
    const problem = artifactPathProblem(path);
    if (problem !== undefined) throw new ArtifactFormatError(`"${printable(path)}": ${problem}`);
    if (path.split('/').length > this.limits.maxDepth)
      throw new ArtifactFormatError(`"${path}": deeper than ${this.limits.maxDepth} levels`);
    if (this.seen.has(path)) throw new ArtifactFormatError(`"${path}": listed twice`);
    for (let at = path.indexOf('/'); at > 0; at = path.indexOf('/', at + 1)) {
      if (this.links.has(path.slice(0, at)))
        throw new ArtifactFormatError(`"${path}": lies under the symbolic link "${path.slice(0, at)}"`);
    }
    this.seen.add(path);
    this.files++;
    if (this.files > this.limits.maxFiles) throw new ArtifactFormatError(`more than ${this.limits.maxFiles} files`);
    const size = readOctal(block, 124, 12);
    if (type === '0' || type === '\0') {
      if (size > this.limits.maxFileBytes)
        throw new ArtifactFormatError(`"${path}": ${size} bytes, over the limit of ${this.limits.maxFileBytes}`);
      const mode = readOctal(block, 100, 8);
      this.inFile = true;
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      await this.sink.entry({ kind: 'file', path, executable: (mode & 0o111) !== 0, size });
      return;
    }
    if (type === '2') {
      if (size !== 0) throw new ArtifactFormatError(`"${path}": a symbolic link with data`);
      const target = cString(block, 157, 100);
      if (symlinkDestination(path, target) === undefined) {
        throw new ArtifactFormatError(`"${path}": symbolic link to "${printable(target)}" leads out of the artifact`);
      }
      this.links.add(path);
      await this.sink.entry({ kind: 'symlink', path, target });
      return;
    }
    const what: Record<string, string> = {
      '1': 'a hard link',
      '3': 'a character device',
      '4': 'a block device',
      '5': 'a directory entry',
      '6': 'a FIFO',
      x: 'a pax header',
      g: 'a pax header',
    };
    throw new ArtifactFormatError(`"${printable(path)}": ${what[type] ?? `entry type "${printable(type)}"`} is not allowed in an artifact`);
  }
}

function readOctal(block: Buffer, offset: number, length: number): number {
  const text = block
    .toString('ascii', offset, offset + length)
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]{1,12}$/.test(text)) throw new ArtifactFormatError(`header field at ${offset} is not an octal number`);
  return parseInt(text, 8);
}

function cString(block: Buffer, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** Text from an archive, safe to put in a message: control characters shown as \\u escapes. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 300);
}
