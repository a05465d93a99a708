import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { RolloutController } from './rollout.controller';
import { ROLLOUT_SETTINGS, loadRolloutSettings } from './rollout-settings';
import { RolloutService } from './rollout.service';

@Module({
  imports: [ClustersModule, FleetRepoModule, PlacementModule, StatusModule],
  providers: [RolloutService, { provide: ROLLOUT_SETTINGS, useFactory: () => loadRolloutSettings(process.env) }],
  controllers: [RolloutController],
  exports: [RolloutService],
})
export class RolloutModule {}
