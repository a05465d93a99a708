import { Controller, Get, Query } from '@nestjs/common';
import { AuditService, type AuditEntry } from '../audit/audit.service';
import { Roles } from '../auth/auth.decorators';
import { invalidArgument, limitOf, textParam, type Page } from './list-query';

/** The audit log, newest first; `next` is the `cursor` (or `before`) of the following page. */
@Roles('admin')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  async list(@Query() query: Record<string, unknown>): Promise<Page<AuditEntry>> {
    const before = textParam('cursor', query.cursor) ?? textParam('before', query.before);
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw invalidArgument('cursor must be the `next` value of a previous page');
    await this.audit.flushed();
    return this.audit.list({ limit: limitOf(query.limit), before, actor: textParam('actor', query.actor) });
  }
}
