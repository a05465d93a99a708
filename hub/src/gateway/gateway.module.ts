import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { PlacementModule } from '../placement/placement.module';
import { StatusModule } from '../status/status.module';
import { FleetGateway } from './fleet-gateway.service';
import { GrpcServer } from './grpc-server';

@Module({
  imports: [ClustersModule, PlacementModule, StatusModule],
  providers: [FleetGateway, GrpcServer],
  exports: [GrpcServer, FleetGateway],
})
export class GatewayModule {}
