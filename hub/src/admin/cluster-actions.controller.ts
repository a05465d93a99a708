import { Controller, HttpCode, HttpException, HttpStatus, Param, Post } from '@nestjs/common';
import type { ClusterEntity } from '../clusters/cluster.entity';
import { ClusterActionError, ClustersService } from '../clusters/clusters.service';

/** What approve, revoke and rotate-credential answer. */
export interface ClusterStateView {
  id: string;
  name: string;
  state: ClusterEntity['state'];
  stateChangedAt: string | null;
}

/** Operator actions on one cluster's identity. */
@Controller('api/v1/clusters/:name')
export class ClusterActionsController {
  constructor(private readonly clusters: ClustersService) {}

  @Post('approve')
  @HttpCode(200)
  approve(@Param('name') name: string): Promise<ClusterStateView> {
    return stateView(this.clusters.approve(name));
  }

  @Post('revoke')
  @HttpCode(200)
  revoke(@Param('name') name: string): Promise<ClusterStateView> {
    return stateView(this.clusters.revoke(name));
  }

  @Post('rotate-credential')
  @HttpCode(200)
  rotate(@Param('name') name: string): Promise<ClusterStateView> {
    return stateView(this.clusters.rotateCredential(name));
  }
}

async function stateView(action: Promise<ClusterEntity>): Promise<ClusterStateView> {
  try {
    const c = await action;
    return { id: c.id, name: c.name, state: c.state, stateChangedAt: c.stateChangedAt?.toISOString() ?? null };
  } catch (error) {
    if (error instanceof ClusterActionError) {
      throw new HttpException({ code: error.code, message: error.message }, error.code === 'cluster_not_found' ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT);
    }
    throw error;
  }
}
