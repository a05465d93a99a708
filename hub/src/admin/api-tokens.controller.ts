import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiTokensService, type ApiTokenView, type NewApiToken } from '../auth/api-tokens.service';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import { isRole, ROLES, type Principal, type TokenScope } from '../auth/principal';
import { decodeCursor, encodeCursor, invalidArgument, limitOf, type Page } from './list-query';

const MAX_TTL_SECONDS = 5 * 365 * 24 * 3600;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** API tokens of people and tools: the secret is in the answer to POST only. */
@Roles('admin')
@Controller('api/v1/api-tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<{ token: string; item: ApiTokenView }> {
    return this.tokens.create(newApiToken(body), principal);
  }

  /** Oldest first. */
  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<Page<ApiTokenView>> {
    const after = decodeCursor(query.cursor);
    if (after !== undefined && !UUID.test(after)) throw invalidArgument('cursor must be the `next` value of a previous page');
    const page = await this.tokens.list({ limit: limitOf(query.limit), after });
    return { items: page.items, next: page.next === null ? null : encodeCursor(page.next) };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.tokens.revoke(id))) {
      throw new NotFoundException({ code: 'api_token_not_found', message: `no API token with id "${id.slice(0, 64)}"` });
    }
  }
}

function newApiToken(body: unknown): NewApiToken {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!['name', 'role', 'scope', 'ttlSeconds'].includes(key))
      throw invalidArgument(`unknown field "${key.slice(0, 40)}"; allowed: name, role, scope, ttlSeconds`);
  }
  if (typeof b.name !== 'string' || !NAME.test(b.name))
    throw invalidArgument('name must be 1-63 letters, digits or ._@- starting with a letter or digit');
  if (!isRole(b.role)) throw invalidArgument(`role must be one of ${ROLES.join(', ')}`);
  const request: NewApiToken = { name: b.name, role: b.role };
  if (b.scope !== undefined && b.scope !== null) request.scope = scopeOf(b.scope);
  if (b.ttlSeconds !== undefined) {
    if (!Number.isInteger(b.ttlSeconds) || (b.ttlSeconds as number) < 1 || (b.ttlSeconds as number) > MAX_TTL_SECONDS) {
      throw invalidArgument(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
    }
    request.ttlSeconds = b.ttlSeconds as number;
  }
  return request;
}

function scopeOf(raw: unknown): TokenScope {
  const bad = () =>
    invalidArgument('scope must be {"clusterGroups": ["<group>", …], "bundles": ["<bundle>", …]} with at least one non-empty list');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad();
  const s = raw as Record<string, unknown>;
  const scope: TokenScope = {};
  for (const key of Object.keys(s)) {
    if (key !== 'clusterGroups' && key !== 'bundles') throw bad();
    const list = s[key];
    if (!Array.isArray(list) || list.length === 0 || list.length > 100 || list.some((v) => typeof v !== 'string' || !NAME.test(v)))
      throw bad();
    scope[key] = [...new Set(list as string[])].sort();
  }
  if (Object.keys(scope).length === 0) throw bad();
  return scope;
}
