import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BootstrapTokensService } from './bootstrap-tokens.service';
import { ClusterEntity } from './cluster.entity';
import { ClusterPresenceService } from './cluster-presence.service';
import { ClusterReads } from './cluster-reads.service';
import { ClustersService } from './clusters.service';
import { ClientCertificatesService } from './client-certificates.service';

@Module({
  imports: [TypeOrmModule.forFeature([ClusterEntity])],
  providers: [ClustersService, ClusterReads, ClientCertificatesService, ClusterPresenceService, BootstrapTokensService],
  exports: [ClustersService, ClusterReads, ClientCertificatesService, ClusterPresenceService, BootstrapTokensService],
})
export class ClustersModule {}
