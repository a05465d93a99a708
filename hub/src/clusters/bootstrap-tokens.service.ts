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

export interface TokenRow {
  id: string;
  token_hash: string;
  description: string;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  created_at: Date;
  revoked_at: Date | null;
}

/** The token a registration presented: the configured one, or (by its hash) one that may be stored. */
export type PresentedToken = { kind: 'configured' } | { kind: 'stored'; hash: string };

const TOKEN_PREFIX = 'gfbt_';

/**
 * Bootstrap tokens: the configured BOOTSTRAP_TOKEN (no expiry, no use limit) and tokens made
 * through the API, stored only as SHA-256 hashes, each with an optional expiry and use limit.
 * Uses are counted in the same transaction that registers the clusters.
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

  /**
   * Which kind of token was presented: the configured one, or one that may be stored (then its
   * hash, looked up with the rest of its batch). Refuses what can be no token of this hub.
   */
  classify(presented: string): PresentedToken {
    if (presented !== '' && secretsEqual(presented, this.config.bootstrapToken)) return { kind: 'configured' };
    if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 256) {
      throw new RegistrationError('unauthenticated', 'invalid bootstrap token');
    }
    return { kind: 'stored', hash: hashCredential(presented) };
  }

  /**
   * The stored tokens with these hashes, locked until `tx` ends: the uses a batch of
   * registrations counts against them cannot race another batch's.
   */
  async lockByHash(hashes: readonly string[], tx: EntityManager): Promise<Map<string, TokenRow>> {
    if (hashes.length === 0) return new Map();
    const rows: TokenRow[] = await tx.query(`SELECT * FROM bootstrap_token WHERE token_hash = ANY($1::text[]) ORDER BY id FOR UPDATE`, [
      [...new Set(hashes)],
    ]);
    return new Map(rows.map((row) => [row.token_hash, row]));
  }

  /** Adds the uses a batch admitted, per token id, inside the batch's transaction. */
  async addUses(uses: ReadonlyMap<string, number>, tx: EntityManager): Promise<void> {
    if (uses.size === 0) return;
    await tx.query(`UPDATE bootstrap_token t SET uses = t.uses + u.n FROM unnest($1::uuid[], $2::int[]) AS u(id, n) WHERE t.id = u.id`, [
      [...uses.keys()],
      [...uses.values()],
    ]);
  }
}

/** Why a stored token, having already admitted `usedInBatch` more registrations, admits no further one; undefined when it does. */
export function tokenRefusal(row: TokenRow, usedInBatch: number, now = new Date()): RegistrationError | undefined {
  const counted = { ...row, uses: row.uses + usedInBatch };
  const state = stateOf(counted, now);
  if (state === 'revoked') return new RegistrationError('unauthenticated', 'bootstrap token revoked');
  if (state === 'expired') return new RegistrationError('unauthenticated', `bootstrap token expired at ${row.expires_at!.toISOString()}`);
  if (state === 'used-up')
    return new RegistrationError('unauthenticated', `bootstrap token used up (${counted.uses} of ${row.max_uses} uses)`);
  return undefined;
}

function stateOf(row: TokenRow, now: Date): BootstrapTokenState {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && row.expires_at.getTime() <= now.getTime()) return 'expired';
  if (row.max_uses !== null && row.uses >= row.max_uses) return 'used-up';
  return 'usable';
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
