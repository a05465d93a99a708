import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArtifactEntity } from './artifact.entity';
import { ArtifactPacker } from './artifact-packer';
import { ArtifactStore } from './artifact-store';

/** Source artifacts: packed from the hub's mirrors when a fleet commit is accepted, stored in PostgreSQL, served to agents. */
@Module({
  imports: [TypeOrmModule.forFeature([ArtifactEntity])],
  providers: [ArtifactStore, ArtifactPacker],
  exports: [ArtifactStore, ArtifactPacker],
})
export class ArtifactsModule {}
