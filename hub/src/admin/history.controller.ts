import { Controller, Get, Query } from '@nestjs/common';
import { DEFAULT_LIMIT, HistoryQuery, type DeploymentView, type Page } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ScopeService } from '../auth/scope.service';
import { ClusterReads } from '../clusters/cluster-reads.service';
import { StatusService } from '../status/status.service';
import { scopedPage } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';

/** Deployment history: newest first; `next` is the `cursor` (or `before`) of the following page. */
@Roles('viewer')
@Controller('api/v1/history')
export class HistoryController {
  constructor(
    private readonly status: StatusService,
    private readonly clusters: ClusterReads,
    private readonly scope: ScopeService,
  ) {}

  @Get()
  async history(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(HistoryQuery)) query: HistoryQuery,
  ): Promise<Page<DeploymentView>> {
    const { cluster, bundle } = query;
    const limit = query.limit ?? DEFAULT_LIMIT;
    const before = query.cursor ?? query.before;
    if (principal.scope === null) return this.status.history({ cluster, bundle, limit, before });

    // A scoped token reads the history through its scope: whole pages, filtered, until one of its own is full.
    const [filter, clusters] = await Promise.all([this.scope.filterFor(principal), this.clusters.listNamesAndLabels()]);
    const labelsOf = new Map(clusters.map((c) => [c.name, c.labels]));
    const visible = (d: DeploymentView) =>
      filter.canSeeBundle(d.bundle) &&
      labelsOf.has(d.cluster) &&
      filter.canSeeCluster({ name: d.cluster, labels: labelsOf.get(d.cluster)! });
    return scopedPage(
      (cursor) => this.status.history({ cluster, bundle, limit, before: cursor }),
      visible,
      (d) => d.id,
      limit,
      before,
    );
  }
}
