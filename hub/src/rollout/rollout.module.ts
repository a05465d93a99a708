import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { SessionSignalsModule } from '../gateway/session-signals';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { RolloutController } from './rollout.controller';
import { RolloutStoreModule } from './rollout-store';
import { RolloutService } from './rollout.service';

@Module({
  imports: [ClustersModule, FleetRepoModule, PlacementModule, StatusModule, RolloutStoreModule, SessionSignalsModule],
  providers: [RolloutService],
  controllers: [RolloutController],
  exports: [RolloutService],
})
export class RolloutModule {}
