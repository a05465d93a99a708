import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ClustersModule } from '../clusters/clusters.module';
import { PlacementModule } from '../placement/placement.module';
import { ApiTokensService } from './api-tokens.service';
import { AuthGuard } from './auth.guard';
import { ScopeService } from './scope.service';

/** API tokens, the global guard that checks them, and scope filters; global so every controller can use them. */
@Global()
@Module({
  imports: [ClustersModule, PlacementModule],
  providers: [ApiTokensService, ScopeService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokensService, ScopeService],
})
export class AuthModule {}
