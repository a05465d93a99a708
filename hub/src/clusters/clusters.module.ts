import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BootstrapTokensService } from './bootstrap-tokens.service';
import { ClusterEntity } from './cluster.entity';
import { ClusterPresenceService } from './cluster-presence.service';
import { ClustersService } from './clusters.service';

@Module({
  imports: [TypeOrmModule.forFeature([ClusterEntity])],
  providers: [ClustersService, ClusterPresenceService, BootstrapTokensService],
  exports: [ClustersService, ClusterPresenceService, BootstrapTokensService],
})
export class ClustersModule {}
