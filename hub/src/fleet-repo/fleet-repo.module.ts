import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { BundleEntity } from './bundle.entity';
import { FleetController } from './fleet.controller';
import { FleetRepoService } from './fleet-repo.service';
import { FleetSourceEntity } from './fleet-source.entity';
import { FleetStore } from './fleet-store';

@Module({
  imports: [TypeOrmModule.forFeature([FleetSourceEntity, BundleEntity]), ArtifactsModule],
  controllers: [FleetController],
  providers: [FleetRepoService, FleetStore],
  exports: [FleetRepoService],
})
export class FleetRepoModule {}
