import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { Roles } from '../auth/auth.decorators';
import { BootstrapTokensService, type BootstrapTokenView, type NewBootstrapToken } from '../clusters/bootstrap-tokens.service';
import { invalidArgument, pageOf, type Page } from './list-query';

const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** Bootstrap tokens (agent registration): the token itself is in the answer to POST only. */
@Roles('admin')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: BootstrapTokensService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown): Promise<{ token: string; item: BootstrapTokenView }> {
    return this.tokens.create(newToken(body));
  }

  /** Oldest first; filter `state`. */
  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<Page<BootstrapTokenView>> {
    const state = query.state;
    if (state !== undefined && !['usable', 'expired', 'used-up', 'revoked'].includes(state as string)) {
      throw invalidArgument('state must be one of usable, expired, used-up, revoked');
    }
    const items = (await this.tokens.list()).filter((t) => state === undefined || t.state === state);
    // Keyset by creation time then id, both fixed for a token's life.
    return pageOf(items, (t) => `${t.createdAt} ${t.id}`, query);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.tokens.revoke(id)))
      throw new NotFoundException({ code: 'token_not_found', message: `no bootstrap token with id "${id.slice(0, 64)}"` });
  }
}

function newToken(body: unknown): NewBootstrapToken {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const request: NewBootstrapToken = {};
  if (b.description !== undefined) {
    if (typeof b.description !== 'string' || b.description.length > 256)
      throw invalidArgument('description must be a string of at most 256 characters');
    request.description = b.description;
  }
  if (b.ttlSeconds !== undefined) {
    if (!Number.isInteger(b.ttlSeconds) || (b.ttlSeconds as number) < 1 || (b.ttlSeconds as number) > MAX_TTL_SECONDS) {
      throw invalidArgument(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
    }
    request.ttlSeconds = b.ttlSeconds as number;
  }
  if (b.maxUses !== undefined) {
    if (!Number.isInteger(b.maxUses) || (b.maxUses as number) < 1 || (b.maxUses as number) > 1_000_000)
      throw invalidArgument('maxUses must be an integer from 1 to 1000000');
    request.maxUses = b.maxUses as number;
  }
  return request;
}
