import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { GatewayModule } from '../gateway/gateway.module';
import { PlacementModule } from '../placement/placement.module';
import { RolloutStoreModule } from '../rollout/rollout-store';
import { StatusModule } from '../status/status.module';
import { AdminController } from './admin.controller';
import { ApiTokensController } from './api-tokens.controller';
import { AuditController } from './audit.controller';
import { BundlesController } from './bundles.controller';
import { ClusterActionsController } from './cluster-actions.controller';
import { CommitsController } from './commits.controller';
import { EventsController } from './events.controller';
import { HealthController } from './health.controller';
import { HistoryController } from './history.controller';
import { OpenApiController } from './openapi.controller';
import { SyncController } from './sync.controller';
import { TokensController } from './tokens.controller';

/** The REST API under /api/v1 (auth, audit and events come from their global modules), health probes and the OpenAPI document. */
@Module({
  imports: [ClustersModule, PlacementModule, StatusModule, FleetRepoModule, GatewayModule, RolloutStoreModule],
  controllers: [
    AdminController,
    BundlesController,
    ClusterActionsController,
    CommitsController,
    SyncController,
    TokensController,
    ApiTokensController,
    HistoryController,
    AuditController,
    EventsController,
    HealthController,
    OpenApiController,
  ],
})
export class AdminModule {}
