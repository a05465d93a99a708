import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { DashboardAssetsController } from './assets/dashboard-assets.controller';
import { ChangeHintsService } from './live/change-hints.service';
import { StreamController } from './live/stream.controller';

/**
 * The web dashboard: its static files at `/`, and the live stream it (and curl) reads at
 * /api/v1/stream. Auth (tokens, scopes) and the fleet event log come from global modules.
 */
@Module({
  imports: [ClustersModule, PlacementModule, StatusModule],
  providers: [ChangeHintsService],
  controllers: [DashboardAssetsController, StreamController],
})
export class DashboardModule {}
