import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth';
import { MetricsService } from './metrics.service';

/**
 * GET /metrics in the Prometheus text format. Public by design, like /healthz: it carries
 * counts and bundle names only, never cluster names or secrets, so the API auth guard lets
 * it through (scrapers carry no API token).
 */
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly service: MetricsService) {}

  @Get('metrics')
  async metrics(@Res() response: Response): Promise<void> {
    const { contentType, text } = await this.service.scrape();
    response.status(200).type(contentType).send(text);
  }
}
