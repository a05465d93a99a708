import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { hashCredential, secretsEqual } from './credential';
import { RegistrationError } from './registration';

/** A bootstrap token as the API shows it: never the token itself, which is shown once at creation. */
export interface BootstrapTokenView {
  id: string;
  description: string;
  expiresAt: string | null;
  maxUses: number | null;
  uses: number;
  createdAt: string;
  revokedAt: string | null;
  /** usable | expired | used-up | revoked */
  state: BootstrapTokenState;
}

export type BootstrapTokenState = 'usable' | 'expired' | 'used-up' | 'revoked';

export interface NewBootstrapToken {
  description?: string;
  /** Lifetime in seconds; absent → never expires. */
  ttlSeconds?: number;
  /** Registrations it may admit; absent → unlimited. */
  maxUses?: number;
}

interface TokenRow {
  id: string;
  description: string;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  created_at: Date;
  revoked_at: Date | null;
}

/** The token a registration presented, once checked: the configured one, or a stored one by id. */
export type AcceptedToken = { kind: 'configured' } | { kind: 'stored'; id: string };

const TOKEN_PREFIX = 'gfbt_';

/**
 * Bootstrap tokens: the configured BOOTSTRAP_TOKEN (no expiry, no use limit) and tokens made
 * through the API, stored only as SHA-256 hashes, each with an optional expiry and use limit.
 * A use is counted in the same transaction that registers the cluster.
 */
@Injectable()
export class BootstrapTokensService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async create(request: NewBootstrapToken, now = new Date()): Promise<{ token: string; item: BootstrapTokenView }> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = request.ttlSeconds === undefined ? null : new Date(now.getTime() + request.ttlSeconds * 1000);
    const rows: TokenRow[] = await this.db.query(
      `INSERT INTO bootstrap_token (id, description, token_hash, expires_at, max_uses, uses, created_at)
       VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING *`,
      [randomUUID(), request.description ?? '', hashCredential(token), expiresAt, request.maxUses ?? null, now],
    );
    return { token, item: tokenView(rows[0], now) };
  }

  async list(now = new Date()): Promise<BootstrapTokenView[]> {
    const rows: TokenRow[] = await this.db.query(`SELECT * FROM bootstrap_token ORDER BY created_at, id`);
    return rows.map((row) => tokenView(row, now));
  }

  /** False when no token has this id. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return false;
    const rows: unknown[] = await this.db.query(
      `WITH revoked AS (UPDATE bootstrap_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id)
       SELECT id FROM revoked`,
      [id],
    );
    return rows.length > 0;
  }

  /** Checks a presented token without using it up; refusals say why (expired, used up, revoked). */
  async check(presented: string): Promise<AcceptedToken> {
    if (presented !== '' && secretsEqual(presented, this.config.bootstrapToken)) return { kind: 'configured' };
    if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 256) {
      throw new RegistrationError('unauthenticated', 'invalid bootstrap token');
    }
    const rows: TokenRow[] = await this.db.query(`SELECT * FROM bootstrap_token WHERE token_hash = $1`, [hashCredential(presented)]);
    if (rows.length === 0) throw new RegistrationError('unauthenticated', 'invalid bootstrap token');
    refuseUnusable(rows[0]);
    return { kind: 'stored', id: rows[0].id };
  }

  /** Counts one use inside the registration's transaction; refuses when a concurrent use took the last one. */
  async use(token: AcceptedToken, tx: EntityManager): Promise<void> {
    if (token.kind === 'configured') return;
    const used: unknown[] = await tx.query(
      `WITH used AS (
         UPDATE bootstrap_token SET uses = uses + 1
         WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND (max_uses IS NULL OR uses < max_uses)
         RETURNING id
       ) SELECT id FROM used`,
      [token.id],
    );
    if (used.length === 0) {
      const current: TokenRow[] = await tx.query(`SELECT * FROM bootstrap_token WHERE id = $1`, [token.id]);
      if (current.length > 0) refuseUnusable(current[0]);
      throw new RegistrationError('unauthenticated', 'invalid bootstrap token');
    }
  }
}

function stateOf(row: TokenRow, now: Date): BootstrapTokenState {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) return 'expired';
  if (row.max_uses !== null && row.uses >= row.max_uses) return 'used-up';
  return 'usable';
}

function refuseUnusable(row: TokenRow): void {
  const state = stateOf(row, new Date());
  if (state === 'revoked') throw new RegistrationError('unauthenticated', 'bootstrap token revoked');
  if (state === 'expired') throw new RegistrationError('unauthenticated', `bootstrap token expired at ${row.expires_at!.toISOString()}`);
  if (state === 'used-up') throw new RegistrationError('unauthenticated', `bootstrap token used up (${row.uses} of ${row.max_uses} uses)`);
}

function tokenView(row: TokenRow, now: Date): BootstrapTokenView {
  return {
    id: row.id,
    description: row.description,
    expiresAt: row.expires_at?.toISOString() ?? null,
    maxUses: row.max_uses,
    uses: row.uses,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    state: stateOf(row, now),
  };
}
