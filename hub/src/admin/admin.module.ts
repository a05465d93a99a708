import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { GatewayModule } from '../gateway/gateway.module';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { AdminController } from './admin.controller';
import { ClusterActionsController } from './cluster-actions.controller';
import { HealthController } from './health.controller';
import { HistoryController } from './history.controller';
import { TokensController } from './tokens.controller';

@Module({
  imports: [ClustersModule, PlacementModule, StatusModule, FleetRepoModule, GatewayModule],
  controllers: [AdminController, ClusterActionsController, TokensController, HistoryController, HealthController],
})
export class AdminModule {}
