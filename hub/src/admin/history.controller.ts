import { Controller, Get, HttpException, HttpStatus, Query } from '@nestjs/common';
import { MAX_HISTORY_LIMIT, type DeploymentView } from '../status/deployment-history';
import { StatusService } from '../status/status.service';

const DEFAULT_LIMIT = 50;

/** Deployment history: newest first, `next` is the `before` of the following page. */
@Controller('api/v1/history')
export class HistoryController {
  constructor(private readonly status: StatusService) {}

  @Get()
  history(
    @Query('cluster') cluster?: string,
    @Query('bundle') bundle?: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
  ): Promise<{ items: DeploymentView[]; next: string | null }> {
    const bad = (message: string) => new HttpException({ code: 'bad_request', message }, HttpStatus.BAD_REQUEST);
    if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_HISTORY_LIMIT)) {
      throw bad(`limit must be from 1 to ${MAX_HISTORY_LIMIT}`);
    }
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw bad('before must be the `next` value of a previous page');
    return this.status.history({
      cluster: typeof cluster === 'string' && cluster !== '' ? cluster : undefined,
      bundle: typeof bundle === 'string' && bundle !== '' ? bundle : undefined,
      limit: limit === undefined ? DEFAULT_LIMIT : Number(limit),
      before,
    });
  }
}
