import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClustersModule } from '../clusters/clusters.module';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module';
import { RolloutStoreModule } from '../rollout/rollout-store';
import { PlacementService } from './placement.service';
import { TargetSetStore } from './target-set-store';
import { TargetBodyEntity, TargetSetEntity, TargetSetTargetEntity } from './target-set.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([TargetSetEntity, TargetSetTargetEntity, TargetBodyEntity]),
    ClustersModule,
    FleetRepoModule,
    RolloutStoreModule,
  ],
  providers: [TargetSetStore, PlacementService],
  exports: [TargetSetStore, PlacementService],
})
export class PlacementModule {}
