import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BundleStatusEntity } from './bundle-status.entity';
import { StatusReportEntity } from './status-report.entity';
import { StatusService } from './status.service';

@Module({
  imports: [TypeOrmModule.forFeature([BundleStatusEntity, StatusReportEntity])],
  providers: [StatusService],
  exports: [StatusService],
})
export class StatusModule {}
