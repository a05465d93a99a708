import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ClustersModule } from './clusters/clusters.module';
import { ConfigModule } from './config/config.module';
import type { HubConfig } from './config/hub-config';
import type { DatabaseConnection } from './database/data-source-options';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { FleetRepoModule } from './fleet-repo/fleet-repo.module';
import { GatewayModule } from './gateway/gateway.module';
import type { Logger } from './logging/logger';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PlacementModule } from './placement/placement.module';
import { RolloutModule } from './rollout/rollout.module';
import { RetentionModule } from './retention/retention.module';
import { StatusModule } from './status/status.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: HubConfig, database: DatabaseConnection, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        DatabaseModule.forRoot(database),
        EventsModule,
        MetricsModule,
        NotificationsModule,
        RetentionModule,
        FleetRepoModule,
        ClustersModule,
        PlacementModule,
        StatusModule,
        GatewayModule,
        AuthModule,
        AuditModule,
        RolloutModule,
        AdminModule,
        WebhooksModule,
        DashboardModule,
      ],
    };
  }
}
