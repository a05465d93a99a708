import { Controller, Get } from '@nestjs/common';
import { FleetRepoService, type FleetState } from './fleet-repo.service';

export type FleetRepoView = Omit<FleetState, 'fetchedAt'> & { fetchedAt: string | null };

/** The first fleet repository's fields at the top (as before several were supported), all of them in `repos`. */
export interface FleetView extends FleetRepoView {
  repos: FleetRepoView[];
}

@Controller('api/v1')
export class FleetController {
  constructor(private readonly fleet: FleetRepoService) {}

  @Get('fleet')
  async getFleet(): Promise<FleetView> {
    const repos = (await this.fleet.states()).map((s) => ({ ...s, fetchedAt: s.fetchedAt?.toISOString() ?? null }));
    return { ...repos[0], repos };
  }
}
