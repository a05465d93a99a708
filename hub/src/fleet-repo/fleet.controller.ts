import { Controller, Get } from '@nestjs/common';
import type { FleetRepoView, FleetView } from '../api-contract';
import { FleetRepoService } from './fleet-repo.service';

export type { FleetRepoView, FleetView };

@Controller('api/v1')
export class FleetController {
  constructor(private readonly fleet: FleetRepoService) {}

  @Get('fleet')
  async getFleet(): Promise<FleetView> {
    const repos: FleetRepoView[] = (await this.fleet.states()).map((s) => ({ ...s, fetchedAt: s.fetchedAt?.toISOString() ?? null }));
    return { ...repos[0], repos };
  }
}
