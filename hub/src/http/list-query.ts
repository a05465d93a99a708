import { HttpException, HttpStatus } from '@nestjs/common';
import { DEFAULT_LIMIT, type Page } from '../api-contract';

/** Lists answer `{ items, next }`; their `limit` and `cursor` are checked by the contract's query schemas. */

export type { Page };

/** A 400 that says what to fix. */
export function invalidArgument(message: string): HttpException {
  return new HttpException({ code: 'invalid_argument', message }, HttpStatus.BAD_REQUEST);
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/** Keyset page over a list sorted by `key`: the items after the cursor's (decoded) key. */
export function pageOf<T>(items: T[], key: (item: T) => string, query: { limit?: number; cursor?: string }): Page<T> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = query.cursor;
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
