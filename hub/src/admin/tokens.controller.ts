import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { BootstrapTokensService, type BootstrapTokenView, type NewBootstrapToken } from '../clusters/bootstrap-tokens.service';

const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** Bootstrap tokens: the token itself is in the answer to POST only. */
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: BootstrapTokensService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown): Promise<{ token: string; item: BootstrapTokenView }> {
    return this.tokens.create(newToken(body));
  }

  @Get()
  async list(): Promise<{ items: BootstrapTokenView[] }> {
    return { items: await this.tokens.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.tokens.revoke(id))) throw new NotFoundException({ code: 'token_not_found', message: 'no bootstrap token with this id' });
  }
}

function newToken(body: unknown): NewBootstrapToken {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const bad = (message: string) => new HttpException({ code: 'bad_request', message }, HttpStatus.BAD_REQUEST);
  const request: NewBootstrapToken = {};
  if (b.description !== undefined) {
    if (typeof b.description !== 'string' || b.description.length > 256) throw bad('description must be a string of at most 256 characters');
    request.description = b.description;
  }
  if (b.ttlSeconds !== undefined) {
    if (!Number.isInteger(b.ttlSeconds) || (b.ttlSeconds as number) < 1 || (b.ttlSeconds as number) > MAX_TTL_SECONDS) {
      throw bad(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
    }
    request.ttlSeconds = b.ttlSeconds as number;
  }
  if (b.maxUses !== undefined) {
    if (!Number.isInteger(b.maxUses) || (b.maxUses as number) < 1 || (b.maxUses as number) > 1_000_000) throw bad('maxUses must be an integer from 1 to 1000000');
    request.maxUses = b.maxUses as number;
  }
  return request;
}
