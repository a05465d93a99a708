import { Module } from '@nestjs/common';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { ClustersModule } from '../clusters/clusters.module';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { FleetGateway } from './fleet-gateway.service';
import { GrpcServer } from './grpc-server';
import { SessionSignalsModule } from './session-signals';

@Module({
  imports: [ClustersModule, PlacementModule, StatusModule, ArtifactsModule, SessionSignalsModule],
  providers: [FleetGateway, GrpcServer],
  exports: [GrpcServer, FleetGateway],
})
export class GatewayModule {}
