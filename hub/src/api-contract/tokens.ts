import { z } from 'zod';
import { intFrom, KeyPageQuery, Limit, named, oneOf, pageOf, Time, Uuid } from './common';

// ---- Bootstrap tokens (agent registration) ----

export const BOOTSTRAP_TOKEN_MAX_TTL_SECONDS = 365 * 24 * 3600;

export const BootstrapTokenState = oneOf(['usable', 'expired', 'used-up', 'revoked']);

export const BootstrapTokenView = named(
  'BootstrapTokenView',
  z.strictObject({
    id: z.string(),
    description: z.string(),
    expiresAt: Time.nullable(),
    maxUses: z.number().int().nullable(),
    uses: z.number().int(),
    createdAt: Time,
    revokedAt: Time.nullable(),
    state: BootstrapTokenState,
  }),
);
export type BootstrapTokenView = z.infer<typeof BootstrapTokenView>;

/** POST /api/v1/tokens: every field optional; fields it does not know are ignored. */
export const NewBootstrapToken = named(
  'NewBootstrapToken',
  z.object({
    description: z
      .string({ error: 'must be a string of at most 256 characters' })
      .max(256, { error: 'must be a string of at most 256 characters' })
      .optional(),
    ttlSeconds: intFrom(1, BOOTSTRAP_TOKEN_MAX_TTL_SECONDS).optional().describe('lifetime; absent: never expires'),
    maxUses: intFrom(1, 1_000_000).optional().describe('registrations it may admit; absent: unlimited'),
  }),
);
export type NewBootstrapToken = z.infer<typeof NewBootstrapToken>;

export const NewBootstrapTokenAnswer = named(
  'NewBootstrapTokenAnswer',
  z.strictObject({ token: z.string().describe('gfbt_…, shown only in this answer'), item: BootstrapTokenView }),
);

export const BootstrapTokenPage = named('BootstrapTokenPage', pageOf(BootstrapTokenView));

export const BootstrapTokenListQuery = KeyPageQuery.extend({ state: BootstrapTokenState.optional() });
export type BootstrapTokenListQuery = z.infer<typeof BootstrapTokenListQuery>;

// ---- API tokens (people and tools) ----

export const API_TOKEN_MAX_TTL_SECONDS = 5 * 365 * 24 * 3600;

export const Role = oneOf(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/;
const NAME_MESSAGE = 'must be 1-63 letters, digits or ._@- starting with a letter or digit';
const SCOPE_MESSAGE = 'must be {"clusterGroups": ["<group>", …], "bundles": ["<bundle>", …]} with at least one non-empty list';

const scopeList = z
  .array(z.string({ error: SCOPE_MESSAGE }).regex(TOKEN_NAME, { error: SCOPE_MESSAGE }), { error: SCOPE_MESSAGE })
  .min(1, { error: SCOPE_MESSAGE })
  .max(100, { error: SCOPE_MESSAGE });

/** What a scoped token may see and steer; a missing list does not restrict. */
export const TokenScope = z
  .strictObject({ clusterGroups: scopeList.optional(), bundles: scopeList.optional() }, { error: SCOPE_MESSAGE })
  .refine((s) => s.clusterGroups !== undefined || s.bundles !== undefined, { error: SCOPE_MESSAGE });
export type TokenScope = z.infer<typeof TokenScope>;

export const ApiTokenView = named(
  'ApiTokenView',
  z.strictObject({
    id: Uuid,
    name: z.string(),
    role: Role,
    scope: TokenScope.nullable(),
    createdBy: z.string(),
    createdAt: Time,
    expiresAt: Time.nullable(),
    revokedAt: Time.nullable(),
    lastUsedAt: Time.nullable().describe('updated at most once a minute'),
    state: z.enum(['usable', 'expired', 'revoked']),
  }),
);
export type ApiTokenView = z.infer<typeof ApiTokenView>;

const API_TOKEN_FIELDS = ['name', 'role', 'scope', 'ttlSeconds'];

/** POST /api/v1/api-tokens: fields it does not know are refused. */
export const NewApiToken = named(
  'NewApiToken',
  z.strictObject(
    {
      name: z.string({ error: NAME_MESSAGE }).regex(TOKEN_NAME, { error: NAME_MESSAGE }),
      role: Role,
      scope: TokenScope.nullable().optional(),
      ttlSeconds: intFrom(1, API_TOKEN_MAX_TTL_SECONDS).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has an unknown field "${String(issue.keys[0]).slice(0, 40)}"; allowed: ${API_TOKEN_FIELDS.join(', ')}`
          : 'must be a JSON object',
    },
  ),
);
export type NewApiToken = z.infer<typeof NewApiToken>;

export const NewApiTokenAnswer = named(
  'NewApiTokenAnswer',
  z.strictObject({ token: z.string().describe('gfat_…, shown only in this answer'), item: ApiTokenView }),
);

export const ApiTokenPage = named('ApiTokenPage', pageOf(ApiTokenView));

/** Oldest first; the cursor is opaque. */
export const ApiTokenListQuery = z.object({ limit: Limit.optional(), cursor: KeyPageQuery.shape.cursor });
export type ApiTokenListQuery = z.infer<typeof ApiTokenListQuery>;
