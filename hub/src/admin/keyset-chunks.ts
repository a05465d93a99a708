/**
 * A list read along an index in chunks: `size` items after the key `after` (exclusive), then
 * the next `size` after the last key of that chunk, until a chunk comes back short. Memory
 * follows a chunk; a caller that has enough stops asking, and nothing more is read.
 */
export async function* keysetChunks<T>(
  read: (after: string | undefined, limit: number) => Promise<T[]>,
  keyOf: (item: T) => string,
  after: string | undefined,
  size: number,
): AsyncGenerator<T[]> {
  for (;;) {
    const chunk = await read(after, size);
    if (chunk.length > 0) yield chunk;
    if (chunk.length < size) return;
    after = keyOf(chunk[chunk.length - 1]);
  }
}

/** Clusters read per query when the whole fleet is walked (counting): few round trips, memory still a chunk. */
export const FLEET_CHUNK = 2_000;

/** Items read per query while filling a filtered page, which often ends early and skips most rows. */
const FILTERED_CHUNK = 500;

/**
 * Items to read per query for a page of `limit`: one more than the page (whether there is a
 * next one); when a filter may skip most rows, larger chunks save round trips while memory
 * still follows a chunk.
 */
export function pageChunk(limit: number, filtered: boolean): number {
  return filtered ? Math.max(limit + 1, FILTERED_CHUNK) : limit + 1;
}
