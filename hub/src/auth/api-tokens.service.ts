import { randomBytes, randomUUID } from 'node:crypto';
import { sha256Hex } from '#core';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { secretsEqual } from '../clusters/credential';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { CONFIGURED_ADMIN, type Principal, type Role, type TokenScope } from './principal';

export const API_TOKEN_PREFIX = 'gfat_';

/** An API token as the API shows it: never the secret, which is shown once at creation. */
export interface ApiTokenView {
  id: string;
  name: string;
  role: Role;
  scope: TokenScope | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** usable | expired | revoked */
  state: 'usable' | 'expired' | 'revoked';
}

export interface NewApiToken {
  name: string;
  role: Role;
  scope?: TokenScope;
  ttlSeconds?: number;
}

/** Why a presented token was refused; the guard turns it into a 401 message. */
export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  scope: TokenScope | null;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** last_used_at is written at most this often per token, so reads do not turn into writes. */
const LAST_USED_RESOLUTION_SECONDS = 60;

/**
 * API tokens of operators and tools: ADMIN_TOKEN (admin, never expires) and tokens made through
 * the API, stored only as SHA-256 hashes, each with a role, an optional scope and expiry.
 */
@Injectable()
export class ApiTokensService implements OnApplicationBootstrap {
  private readonly log: Logger;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'auth' });
  }

  /** Never open by default: without ADMIN_TOKEN and without tokens, every API call is refused. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminToken !== undefined) return;
    const rows: { count: string }[] = await this.db.query(
      `SELECT count(*) FROM api_token WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    );
    if (rows[0].count === '0') {
      this.log.warn(
        'no ADMIN_TOKEN and no API token: the admin API refuses every call (401); set ADMIN_TOKEN (at least 16 characters) to start',
      );
    }
  }

  async create(request: NewApiToken, createdBy: Principal, now = new Date()): Promise<{ token: string; item: ApiTokenView }> {
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = request.ttlSeconds === undefined ? null : new Date(now.getTime() + request.ttlSeconds * 1000);
    const rows: TokenRow[] = await this.db.query(
      `INSERT INTO api_token (id, name, token_hash, role, scope, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        randomUUID(),
        request.name,
        hashToken(token),
        request.role,
        request.scope === undefined ? null : JSON.stringify(request.scope),
        createdBy.name,
        now,
        expiresAt,
      ],
    );
    this.log.info({ tokenId: rows[0].id, name: request.name, role: request.role, createdBy: createdBy.name }, 'API token created');
    return { token, item: tokenView(rows[0], now) };
  }

  /** Oldest first; `after` is the id of the last token of the previous page. */
  async list(page: { limit: number; after?: string }, now = new Date()): Promise<{ items: ApiTokenView[]; next: string | null }> {
    const rows: TokenRow[] = await this.db.query(
      `SELECT * FROM api_token
       WHERE $1::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM api_token WHERE id = $1::uuid)
       ORDER BY created_at, id LIMIT $2`,
      [page.after ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((r) => tokenView(r, now));
    return { items, next: rows.length > page.limit ? items[items.length - 1].id : null };
  }

  async exists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM api_token WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /** False when no token has this id. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH revoked AS (UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id) SELECT id FROM revoked`,
      [id],
    );
    return rows.length > 0;
  }

  /** Checks a presented bearer token; refusals say why without revealing more than the caller knows. */
  async authenticate(presented: string, now = new Date()): Promise<Authentication> {
    if (this.config.adminToken !== undefined && secretsEqual(presented, this.config.adminToken))
      return { ok: true, principal: CONFIGURED_ADMIN };
    if (!presented.startsWith(API_TOKEN_PREFIX) || presented.length > 256) return { ok: false, reason: 'invalid API token' };
    const rows: TokenRow[] = await this.db.query(`SELECT * FROM api_token WHERE token_hash = $1`, [hashToken(presented)]);
    if (rows.length === 0) return { ok: false, reason: 'invalid API token' };
    const row = rows[0];
    if (row.revoked_at !== null) return { ok: false, reason: `API token "${row.name}" was revoked at ${row.revoked_at.toISOString()}` };
    if (row.expires_at !== null && row.expires_at <= now)
      return { ok: false, reason: `API token "${row.name}" expired at ${row.expires_at.toISOString()}` };
    void this.db
      .query(
        `UPDATE api_token SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - make_interval(secs => $3))`,
        [row.id, now, LAST_USED_RESOLUTION_SECONDS],
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'recording a token use failed'));
    return { ok: true, principal: { tokenId: row.id, name: row.name, role: row.role, scope: row.scope } };
  }
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

function tokenView(row: TokenRow, now: Date): ApiTokenView {
  const state = row.revoked_at !== null ? 'revoked' : row.expires_at !== null && row.expires_at <= now ? 'expired' : 'usable';
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    scope: row.scope,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    state,
  };
}
