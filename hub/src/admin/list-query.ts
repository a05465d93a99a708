import { HttpException, HttpStatus } from '@nestjs/common';

/** Query parameters shared by every list: `limit` and an opaque keyset `cursor`, answered as `{ items, next }`. */

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface Page<T> {
  items: T[];
  /** The `cursor` of the following page; null on the last page. */
  next: string | null;
}

/** A 400 that says what to fix. */
export function invalidArgument(message: string): HttpException {
  return new HttpException({ code: 'invalid_argument', message }, HttpStatus.BAD_REQUEST);
}

export function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
    throw invalidArgument(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return Number(raw);
}

/** A single optional string parameter; repeating it is a mistake worth naming. */
export function textParam(name: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw invalidArgument(`${name} must be given once`);
  return raw;
}

export function oneOf<T extends string>(name: string, raw: unknown, allowed: readonly T[]): T | undefined {
  const value = textParam(name, raw);
  if (value !== undefined && !(allowed as readonly string[]).includes(value))
    throw invalidArgument(`${name} must be one of ${allowed.join(', ')}`);
  return value as T | undefined;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(raw: unknown): string | undefined {
  const value = textParam('cursor', raw);
  if (value === undefined) return undefined;
  const key = /^[A-Za-z0-9_-]{1,700}$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  if (key === '' || encodeCursor(key) !== value) throw invalidArgument('cursor must be the `next` value of a previous page');
  return key;
}

/** Keyset page over a list sorted by `key`: the items after the cursor's key. */
export function pageOf<T>(items: T[], key: (item: T) => string, query: { limit?: unknown; cursor?: unknown }): Page<T> {
  const limit = limitOf(query.limit);
  const after = decodeCursor(query.cursor);
  const sorted = [...items].sort((a, b) => compare(key(a), key(b)));
  const rest = after === undefined ? sorted : sorted.filter((item) => compare(key(item), after) > 0);
  const page = rest.slice(0, limit);
  return { items: page, next: rest.length > limit ? encodeCursor(key(page[page.length - 1])) : null };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pages read through, at most, to fill one page of a scoped token. */
const MAX_SCOPED_READS = 20;

/**
 * One page of a newest-first keyset list as a scoped token sees it: whole pages of the
 * underlying list, filtered, until one of its own is full. `id` is an item's cursor value.
 */
export async function scopedPage<T>(
  read: (cursor: string | undefined) => Promise<Page<T>>,
  visible: (item: T) => boolean,
  id: (item: T) => string,
  limit: number,
  cursor: string | undefined,
): Promise<Page<T>> {
  const items: T[] = [];
  for (let reads = 0; reads < MAX_SCOPED_READS; reads++) {
    const page = await read(cursor);
    for (const item of page.items) {
      if (!visible(item)) continue;
      items.push(item);
      if (items.length === limit) return { items, next: id(item) };
    }
    if (page.next === null) return { items, next: null };
    cursor = page.next;
  }
  return { items, next: cursor ?? null };
}
