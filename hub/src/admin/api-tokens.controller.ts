import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiTokenListQuery, DEFAULT_LIMIT, NewApiToken, type ApiTokenView, type Page } from '../api-contract';
import { ApiTokensService } from '../auth/api-tokens.service';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { encodeCursor, invalidArgument } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** API tokens of people and tools: the secret is in the answer to POST only. */
@Roles('admin')
@Controller('api/v1/api-tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @HttpCode(201)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(NewApiToken)) body: NewApiToken,
  ): Promise<{ token: string; item: ApiTokenView }> {
    const { scope, ...rest } = body;
    const request = scope === undefined || scope === null ? rest : { ...rest, scope: normalisedScope(scope) };
    return this.tokens.create(request, principal);
  }

  /** Oldest first. */
  @Get()
  async list(@Query(new ZodValidationPipe(ApiTokenListQuery)) query: ApiTokenListQuery): Promise<Page<ApiTokenView>> {
    if (query.cursor !== undefined && !UUID.test(query.cursor)) throw invalidArgument('cursor must be the `next` value of a previous page');
    const page = await this.tokens.list({ limit: query.limit ?? DEFAULT_LIMIT, after: query.cursor });
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

/** Each list once, sorted: two tokens with the same scope store the same scope. */
function normalisedScope(scope: NonNullable<NewApiToken['scope']>): NonNullable<NewApiToken['scope']> {
  return Object.fromEntries(Object.entries(scope).map(([key, list]) => [key, [...new Set(list)].sort()]));
}
