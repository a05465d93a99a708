import { randomUUID } from 'node:crypto';
import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import type { SyncView } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { bundleNotFound, ScopeService } from '../auth/scope.service';
import type { ClusterEntity } from '../clusters/cluster.entity';
import { FleetGateway } from '../gateway/fleet-gateway.service';

/**
 * Sync now: a `Command { syncNow }` to the agents over their open sessions. Commands are hints
 * (the TargetSet alone defines the desired state), so a cluster not reached loses nothing.
 */
@Roles('operator')
@Controller('api/v1')
export class SyncController {
  constructor(
    private readonly gateway: FleetGateway,
    private readonly scope: ScopeService,
  ) {}

  @Post('clusters/:name/sync')
  @HttpCode(202)
  async syncCluster(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<SyncView> {
    const cluster = await this.scope.controllableCluster(principal, name);
    return this.send([cluster], null);
  }

  /** Every cluster holding the bundle that the caller's scope reaches. */
  @Post('bundles/:name/sync')
  @HttpCode(202)
  async syncBundle(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<SyncView> {
    const filter = await this.scope.filterFor(principal);
    if (!filter.canSeeBundle(name)) throw bundleNotFound(name);
    const clusters = (await this.scope.clustersHolding(name)).filter((c) => filter.canSeeCluster(c));
    if (clusters.length === 0) throw bundleNotFound(name);
    return this.send(clusters, name);
  }

  private async send(clusters: ClusterEntity[], bundle: string | null): Promise<SyncView> {
    const command = randomUUID();
    const sorted = [...clusters].sort((a, b) => (a.name < b.name ? -1 : 1));
    const { reached, notConnected } = await this.gateway.syncNow(sorted, command, bundle ?? '');
    return { command, bundle, reached, notConnected };
  }
}
