/**
 * Parses the output of `git cat-file --batch` as it streams in: for each object asked for,
 * "<oid> <type> <size>\n<contents>\n", or "<oid> missing\n". Contents are handed over whole,
 * per object; a caller bounds the total by checking sizes as headers arrive.
 */
export interface BatchObject {
  oid: string;
  type: string;
  data: Buffer;
}

export class CatFileBatchParser {
  private buffer: Buffer = Buffer.alloc(0);
  private current: { oid: string; type: string; size: number } | undefined;

  /**
   * @param onHeader called with each object's size before its contents are buffered: throw to stop.
   * @param onObject called with each whole object.
   */
  constructor(
    private readonly onHeader: (oid: string, type: string, size: number) => void,
    private readonly onObject: (object: BatchObject) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.current === undefined) {
        const newline = this.buffer.indexOf(0x0a);
        if (newline === -1) {
          if (this.buffer.length > 1024) throw new Error('git cat-file: header line too long');
          return;
        }
        const line = this.buffer.subarray(0, newline).toString('utf8');
        this.buffer = this.buffer.subarray(newline + 1);
        const [oid = '', type = '', size] = line.split(' ');
        if (type === 'missing') throw new Error(`git cat-file: object ${oid} is missing`);
        const bytes = Number(size);
        if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`git cat-file: unexpected header "${line.slice(0, 100)}"`);
        this.onHeader(oid, type, bytes);
        this.current = { oid, type, size: bytes };
      }
      if (this.buffer.length < this.current.size + 1) return;
      const data = Buffer.from(this.buffer.subarray(0, this.current.size));
      this.buffer = this.buffer.subarray(this.current.size + 1);
      const { oid, type } = this.current;
      this.current = undefined;
      this.onObject({ oid, type, data });
    }
  }
}
