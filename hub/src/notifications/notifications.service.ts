import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { redactUserinfo } from '#core';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import type { FleetEvent } from '../events/fleet-event';
import { FleetEventsService } from '../events/fleet-events.service';
import { LOGGER, type Logger } from '../logging/logger';
import { defaultDeliveryOptions, isRetryable, retryDelayMs, type DeliveryOptions } from './delivery-policy';
import type { NotifyWebhook } from '../config/notify-webhooks';
import { notificationBody, signature, SIGNATURE_HEADER } from './payload';

interface Delivery {
  webhook: NotifyWebhook;
  event: FleetEvent;
  attempt: number;
}

/** How often each replica looks for deliveries whose sender's lease ran out. */
const RECLAIM_INTERVAL_MS = 15_000;
/** Lease beyond the next POST's timeout (or the next retry's delay): time for a slow replica's write. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Outgoing webhooks on fleet events. Every replica sees every event; the one that inserts the
 * (event, webhook) row in notification_delivery sends it, the others see the conflict. Sending
 * never blocks whoever recorded the event: deliveries wait in a bounded in-memory queue and
 * are retried with backoff on 5xx, 429 and network errors. The sender holds a lease on the
 * row, renewed before each retry; a delivery whose lease ran out (its replica died, or stopped
 * with a retry pending, which hands the lease back at once) is taken over by the replica that
 * finds it first (reclaim, every 15 s), with the attempts already made counted.
 */
@Injectable()
export class NotificationsService implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private readonly options: DeliveryOptions;
  private unsubscribe: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Retries waiting for their time, and what each will send. */
  private readonly timers = new Map<NodeJS.Timeout, Delivery>();
  private reclaimTimer: NodeJS.Timeout | undefined;
  private queued = 0;
  private stopped = false;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: FleetEventsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'notifications' });
    this.options = { ...defaultDeliveryOptions(), initialDelayMs: config.notifyRetryDelayMs };
  }

  onModuleInit(): void {
    if (this.config.notifyWebhooks.length === 0) return;
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
    this.reclaimTimer = setInterval(() => this.track(this.reclaim()), RECLAIM_INTERVAL_MS);
    this.reclaimTimer.unref();
    this.log.info(
      { webhooks: this.config.notifyWebhooks.map((w) => ({ name: w.name, host: hostOf(w.url), events: w.events })) },
      'notifications on',
    );
  }

  /**
   * Deliveries waiting for a retry are handed back (their lease ends now: another replica, or
   * this one after a restart, takes them over); a POST under way finishes first.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.reclaimTimer);
    const waiting = [...this.timers.entries()];
    for (const [timer] of waiting) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    if (waiting.length === 0) return;
    await this.db
      .query(
        `UPDATE notification_delivery SET lease_until = now()
         WHERE state = 'sending' AND (event_id, webhook) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))`,
        [waiting.map(([, d]) => d.event.id), waiting.map(([, d]) => d.webhook.name)],
      )
      .then(() => this.log.info({ handedBack: waiting.length }, 'notifications awaiting a retry handed back at shutdown'))
      .catch((error: unknown) =>
        this.log.warn(
          { err: error, waiting: waiting.length },
          'handing back notifications failed; they are taken over when their lease ends',
        ),
      );
  }

  /**
   * Takes over deliveries whose sender's lease ran out, for webhooks this replica knows, and
   * goes on from the attempts they had. Runs every 15 s; resolves when each taken-over
   * delivery has had its next attempt.
   */
  async reclaim(): Promise<void> {
    if (this.stopped || this.config.notifyWebhooks.length === 0) return;
    const rows: { event_id: string; webhook: string; attempts: number }[] = await this.db.query(
      // (In a WITH: TypeORM answers a bare UPDATE … RETURNING as [rows, count].)
      `WITH taken AS (
         UPDATE notification_delivery SET lease_until = now() + make_interval(secs => $2::double precision / 1000)
         WHERE state = 'sending' AND lease_until < now() AND webhook = ANY($1::text[])
         RETURNING event_id::text AS event_id, webhook, attempts
       ) SELECT * FROM taken`,
      [this.config.notifyWebhooks.map((w) => w.name), this.options.timeoutMs + LEASE_MARGIN_MS],
    );
    if (rows.length === 0) return;
    const events = new Map((await this.events.byIds(rows.map((r) => r.event_id))).map((e) => [e.id, e]));
    const webhooks = new Map(this.config.notifyWebhooks.map((w) => [w.name, w]));
    this.log.info({ deliveries: rows.length }, 'taking over notifications whose sender stopped');
    await Promise.all(
      rows.map(async (row) => {
        const event = events.get(row.event_id);
        const webhook = webhooks.get(row.webhook)!;
        if (event === undefined) return; // the event row is gone: its delivery went with it (ON DELETE CASCADE)
        if (row.attempts >= this.options.attempts) {
          await this.finish(webhook, event, 'failed', row.attempts, 'no attempts left when taken over');
          return;
        }
        this.queued++;
        await this.attempt({ webhook, event, attempt: row.attempts + 1 });
      }),
    );
  }

  private onEvent(event: FleetEvent): void {
    for (const webhook of this.config.notifyWebhooks) {
      if (!webhook.events.includes(event.type)) continue;
      this.track(this.claim(webhook, event));
    }
  }

  /** Only the replica whose insert wins sends. */
  private async claim(webhook: NotifyWebhook, event: FleetEvent): Promise<void> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO notification_delivery (event_id, webhook, lease_until)
       VALUES ($1::bigint, $2, now() + make_interval(secs => $3::double precision / 1000)) ON CONFLICT DO NOTHING RETURNING event_id`,
      [event.id, webhook.name, this.options.timeoutMs + LEASE_MARGIN_MS],
    );
    if (rows.length === 0) return;
    if (this.queued >= this.options.maxQueued) {
      this.log.error({ ...fieldsOf(webhook, event) }, 'notification queue full; notification dropped');
      await this.finish(webhook, event, 'dropped', 0, 'queue full');
      return;
    }
    this.queued++;
    await this.attempt({ webhook, event, attempt: 1 });
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { webhook, event, attempt } = delivery;
    const outcome = await this.post(webhook, event);
    const fields = { ...fieldsOf(webhook, event), attempt, status: outcome.status };
    if (outcome.ok) {
      this.queued--;
      this.log.info(fields, 'notification delivered');
      await this.finish(webhook, event, 'delivered', attempt, null);
      return;
    }
    const retry = isRetryable(outcome.status) && attempt < this.options.attempts && !this.stopped;
    if (!retry) {
      this.queued--;
      this.log.error({ ...fields, error: outcome.error }, 'notification failed; not retried');
      await this.finish(webhook, event, 'failed', attempt, outcome.error);
      return;
    }
    const delayMs = retryDelayMs(attempt, this.options);
    this.log.warn({ ...fields, error: outcome.error, retryInMs: delayMs }, 'notification failed; will retry');
    // The lease covers the wait and the next POST; the attempts made so far go with it.
    await this.db
      .query(
        `UPDATE notification_delivery SET attempts = $3, last_error = $4, lease_until = now() + make_interval(secs => $5::double precision / 1000)
         WHERE event_id = $1::bigint AND webhook = $2`,
        [event.id, webhook.name, attempt, outcome.error, delayMs + this.options.timeoutMs + LEASE_MARGIN_MS],
      )
      .catch((e: unknown) => this.log.warn({ err: e, ...fieldsOf(webhook, event) }, 'renewing a notification lease failed'));
    const next = { ...delivery, attempt: attempt + 1 };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(next));
    }, delayMs);
    timer.unref();
    this.timers.set(timer, next);
  }

  private async post(
    webhook: NotifyWebhook,
    event: FleetEvent,
  ): Promise<{ ok: boolean; status: number | 'network'; error: string | null }> {
    const body = notificationBody(event, webhook.format);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'gitfleet-hub',
      'x-gitfleet-event': event.type,
    };
    if (webhook.secret !== undefined) headers[SIGNATURE_HEADER] = signature(webhook.secret, body);
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      // The URL (a Slack webhook's path is its secret) must not reach the log through the error.
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const message = redactUserinfo(String((error as Error).message ?? error))
        .split(webhook.url)
        .join(hostOf(webhook.url));
      return { ok: false, status: 'network', error: cause === undefined ? message : `${message} (${cause})` };
    }
  }

  private async finish(webhook: NotifyWebhook, event: FleetEvent, state: string, attempts: number, error: string | null): Promise<void> {
    await this.db
      .query(
        `UPDATE notification_delivery SET state = $3, attempts = $4, last_error = $5, finished_at = now() WHERE event_id = $1::bigint AND webhook = $2`,
        [event.id, webhook.name, state, attempts, error],
      )
      .catch((e: unknown) => this.log.warn({ err: e, ...fieldsOf(webhook, event) }, 'recording a notification outcome failed'));
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.log.error({ err: error }, 'notification delivery failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}

function fieldsOf(webhook: NotifyWebhook, event: FleetEvent): Record<string, unknown> {
  return {
    webhook: webhook.name,
    host: hostOf(webhook.url),
    event: event.type,
    eventId: event.id,
    cluster: event.cluster,
    bundle: event.bundle,
    commit: event.commit,
  };
}

/** Only the host of a webhook URL is ever logged: its userinfo, path and query may be credentials. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
