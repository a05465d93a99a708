import { Controller, Get, Query } from '@nestjs/common';
import { AuditQuery, DEFAULT_LIMIT, type AuditEntry, type Page } from '../api-contract';
import { AuditService } from '../audit/audit.service';
import { Roles } from '../auth/auth.decorators';
import { ZodValidationPipe } from '../http/validation.pipe';

/** The audit log, newest first; `next` is the `cursor` (or `before`) of the following page. */
@Roles('admin')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  async list(@Query(new ZodValidationPipe(AuditQuery)) query: AuditQuery): Promise<Page<AuditEntry>> {
    await this.audit.flushed();
    return this.audit.list({ limit: query.limit ?? DEFAULT_LIMIT, before: query.cursor ?? query.before, actor: query.actor });
  }
}
