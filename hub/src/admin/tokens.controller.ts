import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { BootstrapTokenListQuery, NewBootstrapToken, type BootstrapTokenView, type Page } from '../api-contract';
import { Roles } from '../auth/auth.decorators';
import { BootstrapTokensService } from '../clusters/bootstrap-tokens.service';
import { pageOf } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';

/** Bootstrap tokens (agent registration): the token itself is in the answer to POST only. */
@Roles('admin')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: BootstrapTokensService) {}

  @Post()
  @HttpCode(201)
  create(@Body(new ZodValidationPipe(NewBootstrapToken)) body: NewBootstrapToken): Promise<{ token: string; item: BootstrapTokenView }> {
    return this.tokens.create(body);
  }

  /** Oldest first; filter `state`. */
  @Get()
  async list(@Query(new ZodValidationPipe(BootstrapTokenListQuery)) query: BootstrapTokenListQuery): Promise<Page<BootstrapTokenView>> {
    const items = (await this.tokens.list()).filter((t) => query.state === undefined || t.state === query.state);
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
