/**
 * A minimal DER (ASN.1) writer and reader: just what certificates and certification requests
 * need. The reader checks every length against the bytes it has, so hostile input fails with
 * a message, never reads past its buffer.
 */

export function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

export const sequence = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
export const octetString = (content: Buffer): Buffer => der(0x04, content);
/** A BIT STRING of whole octets (no unused bits). */
export const bitString = (content: Buffer): Buffer => der(0x03, Buffer.concat([Buffer.from([0]), content]));
export const boolean = (value: boolean): Buffer => der(0x01, Buffer.from([value ? 0xff : 0]));
export const utf8String = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [];
    let v = part;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i] |= 0x80;
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/** DER INTEGER of an unsigned big-endian value: minimal (no leading zero octets) and positive. */
export function positiveInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const minimal = bytes.subarray(start);
  return der(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Buffer {
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  const year = date.getUTCFullYear();
  const rest = `${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  return year < 2050 ? der(0x17, Buffer.from(`${p(year % 100)}${rest}`, 'ascii')) : der(0x18, Buffer.from(`${p(year, 4)}${rest}`, 'ascii'));
}

/** A Name of one CommonName. */
export function commonName(name: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.3'), utf8String(name))));
}

/** One TLV as read: its tag, its content, and all its bytes (header included). */
export interface DerElement {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

/** The element at `offset` of `bytes`; `what` names it in errors. */
export function readElement(bytes: Buffer, offset: number, what: string): DerElement {
  if (offset + 2 > bytes.length) throw new Error(`${what}: truncated DER`);
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error(`${what}: unsupported DER length`);
    if (offset + 2 + count > bytes.length) throw new Error(`${what}: truncated DER`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i];
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new Error(`${what}: DER length beyond its bytes`);
  return { tag, content: bytes.subarray(offset + header, end), raw: bytes.subarray(offset, end) };
}

/** The elements inside a constructed element, each checked to be in bounds. */
export function readChildren(parent: DerElement, what: string, max = 64): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < parent.content.length;) {
    if (children.length === max) throw new Error(`${what}: more than ${max} elements`);
    const child = readElement(parent.content, offset, what);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

/** Dotted text of an OBJECT IDENTIFIER's content. */
export function oidText(content: Buffer): string {
  if (content.length === 0) return '';
  const parts = [Math.floor(content[0] / 40), content[0] % 40];
  let value = 0;
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

export function pem(label: string, body: Buffer): string {
  const lines = body
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

/** The DER inside the first PEM block labelled `label`; `what` names it in errors. */
export function pemBody(text: string, label: string, what: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  if (match === null) throw new Error(`${what}: no PEM ${label} block`);
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}
