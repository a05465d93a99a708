import { Controller, Headers, HttpCode, HttpException, Inject, Post, Req, type RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { LOGGER, type Logger } from '../logging/logger';
import { readWebhook } from './push-event';

export interface WebhookResult {
  status: 'fetching' | 'ignored';
  /** Fleet repositories being fetched. */
  repos: string[];
  reason?: string;
}

/** POST /api/v1/webhooks/git: GitHub, GitLab and Gitea push notifications trigger an immediate fetch. */
@Public() // authenticated by WEBHOOK_SECRET's signature instead of an API token
@Controller('api/v1/webhooks')
export class WebhooksController {
  private readonly log: Logger;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly fleet: FleetRepoService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'webhooks' });
  }

  @Post('git')
  @HttpCode(202)
  receive(@Req() request: RawBodyRequest<Request>, @Headers() headers: Record<string, string | string[] | undefined>): WebhookResult {
    const verdict = readWebhook(headers, request.rawBody, this.config.webhookSecret);
    if (!verdict.ok) {
      this.log.warn({ status: verdict.status, reason: verdict.message, remote: request.ip }, 'webhook refused');
      throw new HttpException({ code: verdict.code, message: verdict.message }, verdict.status);
    }
    if (verdict.push === undefined) return { status: 'ignored', repos: [], reason: 'not a push event' };
    const repos = this.fleet.pushed(verdict.push.urls, verdict.push.ref);
    this.log.info(
      { provider: verdict.provider, ref: verdict.push.ref, repos },
      repos.length > 0 ? 'push received; fetching' : 'push for no followed repository',
    );
    if (repos.length === 0) return { status: 'ignored', repos, reason: 'no fleet repository follows this repository and ref' };
    return { status: 'fetching', repos };
  }
}
