import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit log of mutating API calls; hub.ts installs `auditTrail` in front of every route. */
@Global()
@Module({
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
