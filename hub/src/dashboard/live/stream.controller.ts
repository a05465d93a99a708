import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiTokensService, CurrentPrincipal, ScopeService, type Principal } from '../../auth';
import { bearerCredential } from '../../clusters/credential';
import { FleetEventsService } from '../../events/fleet-events.service';
import { LOGGER, type Logger } from '../../logging/logger';
import { ChangeHintsService } from './change-hints.service';
import { eventVisible, visibleHint } from './stream-scope';
import { StreamSession, defaultStreamSessionOptions } from './stream-session';
import { sseEvent } from './sse';

/** How often an open stream checks that its token is still valid (revoked or expired tokens lose the stream). */
const RECHECK_TOKEN_MS = 30_000;

/**
 * GET /api/v1/stream: server-sent events for the dashboard (and anyone with curl -N).
 * Authenticated like the rest of the API — with the Authorization header, never a token in
 * the URL — so browsers read it with fetch() rather than EventSource.
 *
 *   event: hello    { principal, role, heartbeatMs, hintIntervalMs }   once, first
 *   event: fleet    <FleetEvent>                                       as the event log records it
 *   event: changed  { clusters: [...], bundles: [...] }                 at most once a second: refetch
 *   : heartbeat                                                         every 15 s
 */
@Controller('api/v1/stream')
export class StreamController {
  private readonly log: Logger;

  constructor(
    private readonly hints: ChangeHintsService,
    private readonly events: FleetEventsService,
    private readonly scopes: ScopeService,
    private readonly tokens: ApiTokensService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'dashboard' });
  }

  @Get()
  async stream(@CurrentPrincipal() principal: Principal, @Req() request: Request, @Res() response: Response): Promise<void> {
    const scope = await this.scopes.filterFor(principal);
    response.status(200);
    response.setHeader('content-type', 'text/event-stream; charset=utf-8');
    response.setHeader('cache-control', 'no-cache, no-store, no-transform');
    // Proxies such as nginx would otherwise buffer the stream.
    response.setHeader('x-accel-buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);

    const session = new StreamSession((chunk) => response.write(chunk), defaultStreamSessionOptions());
    const unsubscribeHints = this.hints.subscribe((hint) => {
      const visible = visibleHint(hint, scope);
      if (visible !== null) session.hint(visible);
    });
    const unsubscribeEvents = this.events.subscribe((event) => {
      if (!eventVisible(event, scope, (name) => this.hints.clusterNamed(name))) return;
      session.fleetEvent(event);
      // An event is also a change of what the page shows (a rollout halted, a cluster gone).
      session.hint({ clusters: event.cluster === null ? [] : [event.cluster], bundles: event.bundle === null ? [] : [event.bundle] });
    });
    const presented = bearerCredential(request.headers.authorization);
    const recheck = setInterval(
      () => void this.stillValid(presented).then((reason) => reason !== undefined && end(reason)),
      RECHECK_TOKEN_MS,
    );
    recheck.unref();

    let ended = false;
    const end = (reason?: string) => {
      if (ended) return;
      ended = true;
      clearInterval(recheck);
      unsubscribeHints();
      unsubscribeEvents();
      session.close();
      if (reason !== undefined && !response.writableEnded) response.end(sseEvent('end', { code: 'unauthenticated', message: reason }));
      else if (!response.writableEnded) response.end();
      this.log.debug({ principal: principal.name, reason }, 'live stream closed');
    };
    response.on('drain', () => session.drained());
    response.on('close', () => end());
    request.on('close', () => end());
    session.start({ principal: principal.name, role: principal.role, scoped: principal.scope !== null });
    this.log.debug({ principal: principal.name }, 'live stream opened');
  }

  /** Undefined while the token still authenticates, else why it no longer does. */
  private async stillValid(presented: string | undefined): Promise<string | undefined> {
    if (presented === undefined) return 'no API token';
    try {
      const result = await this.tokens.authenticate(presented);
      return result.ok ? undefined : result.reason;
    } catch {
      return undefined; // The database being away is not the token's fault; the next check decides.
    }
  }
}
