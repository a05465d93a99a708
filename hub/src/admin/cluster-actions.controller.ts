import { Controller, HttpCode, HttpException, HttpStatus, Param, Post } from '@nestjs/common';
import type { CertificatesRevokedView, ClusterStateView } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ScopeService } from '../auth/scope.service';
import type { ClusterEntity } from '../clusters/cluster.entity';
import { ClusterActionError, ClustersService } from '../clusters/clusters.service';

/** Actions on one cluster's identity: approving is an operator's, revoking and rotating an admin's. */
@Controller('api/v1/clusters/:name')
export class ClusterActionsController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly scope: ScopeService,
  ) {}

  @Post('approve')
  @Roles('operator')
  @HttpCode(200)
  async approve(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<ClusterStateView> {
    await this.scope.controllableCluster(principal, name);
    return stateView(this.clusters.approve(name));
  }

  @Post('revoke')
  @Roles('admin')
  @HttpCode(200)
  async revoke(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<ClusterStateView> {
    await this.scope.controllableCluster(principal, name);
    return stateView(this.clusters.revoke(name));
  }

  @Post('rotate-credential')
  @Roles('admin')
  @HttpCode(200)
  async rotate(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<ClusterStateView> {
    await this.scope.controllableCluster(principal, name);
    return stateView(this.clusters.rotateCredential(name));
  }

  @Post('revoke-certificates')
  @Roles('admin')
  @HttpCode(200)
  async revokeCertificates(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<CertificatesRevokedView> {
    await this.scope.controllableCluster(principal, name);
    const revoked = { count: 0 };
    const view = await stateView(
      this.clusters.revokeCertificates(name).then((r) => {
        revoked.count = r.revoked;
        return r.cluster;
      }),
    );
    return { ...view, revokedCertificates: revoked.count };
  }
}

async function stateView(action: Promise<ClusterEntity>): Promise<ClusterStateView> {
  try {
    const c = await action;
    return { id: c.id, name: c.name, state: c.state, stateChangedAt: c.stateChangedAt?.toISOString() ?? null };
  } catch (error) {
    if (error instanceof ClusterActionError) {
      throw new HttpException(
        { code: error.code, message: error.message },
        error.code === 'cluster_not_found' ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT,
      );
    }
    throw error;
  }
}
