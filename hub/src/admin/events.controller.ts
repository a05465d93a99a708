import { Controller, Get, Query } from '@nestjs/common';
import { DEFAULT_LIMIT, EventListQuery, type FleetEvent, type Page } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ScopeService } from '../auth/scope.service';
import { ClusterReads } from '../clusters/cluster-reads.service';
import { FleetEventQueryError, FleetEventsService, type FleetEventFilter } from '../events/fleet-events.service';
import { invalidArgument, scopedPage } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';

/** Fleet events, newest first; a scoped token sees those of its clusters and bundles. */
@Roles('viewer')
@Controller('api/v1/events')
export class EventsController {
  constructor(
    private readonly events: FleetEventsService,
    private readonly clusters: ClusterReads,
    private readonly scope: ScopeService,
  ) {}

  /** Filters: `cluster`, `bundle`, `type`, `since` (ISO 8601); `limit`, `cursor`. */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(EventListQuery)) query: EventListQuery,
  ): Promise<Page<FleetEvent>> {
    const filter: FleetEventFilter = { ...query, limit: query.limit ?? DEFAULT_LIMIT };
    const read = (cursor: string | undefined) => this.events.list({ ...filter, cursor }).catch(rethrowAsInvalid);
    if (principal.scope === null) return read(filter.cursor);
    const [scope, clusters] = await Promise.all([this.scope.filterFor(principal), this.clusters.listNamesAndLabels()]);
    const labelsOf = new Map(clusters.map((c) => [c.name, c.labels]));
    const visible = (e: FleetEvent) =>
      (e.bundle === null || scope.canSeeBundle(e.bundle)) &&
      (e.cluster === null
        ? !scope.limitsClusters
        : labelsOf.has(e.cluster) && scope.canSeeCluster({ name: e.cluster, labels: labelsOf.get(e.cluster)! }));
    return scopedPage(read, visible, (e) => e.id, filter.limit!, filter.cursor);
  }
}

function rethrowAsInvalid(error: unknown): never {
  if (error instanceof FleetEventQueryError) throw invalidArgument(error.message);
  throw error;
}
