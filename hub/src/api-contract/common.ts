import { z } from 'zod';

/**
 * Building blocks of the REST contract: the registry every named shape joins (the OpenAPI
 * document's components come from it), and the small schemas many shapes share. Messages are
 * written to follow the name of the field they are about: "limit must be an integer from 1 to 500".
 */

export interface ContractMeta {
  /** Name in the OpenAPI document's components. */
  id: string;
  description?: string;
}

/** Every named shape of the contract, in the order it was declared. */
export const CONTRACT = z.registry<ContractMeta>();

/** Registers a shape under its name (components/schemas/<id>) and hands it back. */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  CONTRACT.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}

export const Sha = z.string().regex(/^[0-9a-f]{40}$/);
export const Time = z.iso.datetime();
export const Uuid = z.uuid();
export const Labels = z.record(z.string(), z.string());

/** An enum whose refusal lists what it accepts (and says so when a query parameter came twice). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) => (Array.isArray(issue.input) ? 'must be given once' : `must be one of ${values.join(', ')}`),
  });
}

/** An integer from min to max in a JSON body. */
export function intFrom(min: number, max: number) {
  return z
    .number({ error: `must be an integer from ${min} to ${max}` })
    .int({ error: `must be an integer from ${min} to ${max}` })
    .min(min, { error: `must be an integer from ${min} to ${max}` })
    .max(max, { error: `must be an integer from ${min} to ${max}` });
}

/** Every error of the API. */
export const ApiError = named(
  'Error',
  z.strictObject({
    code: z.string().describe('stable, snake_case'),
    message: z.string().describe('what to fix'),
  }),
);
export type ApiError = z.infer<typeof ApiError>;

/** Every list answers a page: `next` is the `cursor` of the following page, null on the last. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item), next: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

// ---- Query parameters ----

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;

/** A single optional text parameter; given twice, it is refused. */
export const QueryText = z.string({ error: 'must be given once' });

/** `limit`: page size. */
export const Limit = z
  .string({ error: `must be an integer from 1 to ${MAX_LIMIT}` })
  .regex(/^\d{1,4}$/, { error: `must be an integer from 1 to ${MAX_LIMIT}` })
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_LIMIT, { error: `must be an integer from 1 to ${MAX_LIMIT}` })
  .describe(`page size, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT})`);

const CURSOR_MESSAGE = 'must be the `next` value of a previous page';

/** The `cursor` of lists sorted by a key (names): opaque base64url, decoded to the key. */
export const KeyCursor = z
  .string({ error: CURSOR_MESSAGE })
  .regex(/^[A-Za-z0-9_-]{1,700}$/, { error: CURSOR_MESSAGE })
  .transform((value, ctx) => {
    const key = Buffer.from(value, 'base64url').toString('utf8');
    if (key === '' || Buffer.from(key, 'utf8').toString('base64url') !== value) {
      ctx.addIssue({ code: 'custom', message: CURSOR_MESSAGE });
      return z.NEVER;
    }
    return key;
  })
  .describe('the `next` of the previous page');

/** The `cursor` of newest-first lists: the id of the last item of the previous page. */
export const IdCursor = z
  .string({ error: CURSOR_MESSAGE })
  .regex(/^\d{1,18}$/, { error: CURSOR_MESSAGE })
  .describe('the `next` of the previous page');

/** `before`: what newest-first lists called their cursor first. */
export const BeforeCursor = z
  .string({ error: `is the older name of cursor, and cursor ${CURSOR_MESSAGE}` })
  .regex(/^\d{1,18}$/, { error: `is the older name of cursor, and cursor ${CURSOR_MESSAGE}` })
  .describe('same as cursor');

/** `limit` and `cursor`, the parameters of every list sorted by a key. */
export const KeyPageQuery = z.object({ limit: Limit.optional(), cursor: KeyCursor.optional() });
export type KeyPageQuery = z.infer<typeof KeyPageQuery>;

/** `limit`, `cursor` and `before` (its older name), the parameters of newest-first lists. */
export const NewestFirstPageQuery = z.object({ limit: Limit.optional(), cursor: IdCursor.optional(), before: BeforeCursor.optional() });
