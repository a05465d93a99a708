import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { GatewayModule } from '../gateway/gateway.module';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { AdminController } from './admin.controller';
import { HealthController } from './health.controller';

@Module({
  imports: [ClustersModule, PlacementModule, StatusModule, FleetRepoModule, GatewayModule],
  controllers: [AdminController, HealthController],
})
export class AdminModule {}
