import { Module } from '@nestjs/common';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [FleetRepoModule],
  controllers: [WebhooksController],
})
export class WebhooksModule {}
