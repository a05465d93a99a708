import { createHmac } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetEventsService } from '../events/fleet-events.service';
import type { FleetEventDraft } from '../events/fleet-event';
import { launchHub, type RunningHub } from '../hub';
import { BUNDLE, CONFIGMAP, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import { NotificationsService } from './notifications.service';
import { validateNotifyWebhooks } from '../config/notify-webhooks';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const SECRET = 'a-webhook-secret-of-some-length';
const FILES = { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') };
const draft = (message: string, type: FleetEventDraft['type'] = 'sync.failed'): FleetEventDraft => ({
  type,
  severity: 'error',
  cluster: 'prod-1',
  bundle: 'web',
  commit: 'a'.repeat(40),
  message,
  details: {},
});

describe('notifications', () => {
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  /** Statuses to answer per path, in turn; 200 once exhausted. */
  const script: Record<string, number[]> = {};
  let t: TestHub;
  let second: RunningHub | undefined;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.statusCode = script[req.url ?? '']?.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const webhooks = [
      { name: 'json', url: `${base}/json`, events: ['sync.failed', 'health.degraded'], format: 'json', secret: SECRET },
      { name: 'slack', url: `${base}/slack`, events: ['sync.failed'], format: 'slack' },
      { name: 'flaky', url: `${base}/flaky`, events: ['drift.detected'] },
      { name: 'refusing', url: `${base}/refusing`, events: ['rollout.halted'] },
    ];
    // Two hubs on one database, both configured to notify: each delivery must be sent by one of them.
    const notify = { notifyWebhooks: validateNotifyWebhooks(webhooks, 'NOTIFY_WEBHOOKS'), notifyRetryDelayMs: 50 };
    t = await startTestHub(FILES, notify);
    second = (
      await launchHub({
        databaseUrl: t.db.url,
        dataDir: await mkdtemp(join(tmpdir(), 'gitfleet-hub2-')),
        fleetRepoUrl: t.repo.url,
        bootstrapToken: t.bootstrapToken,
        httpPort: 0,
        grpcPort: 0,
        fleetPollIntervalMs: 60_000,
        logLevel: 'silent',
        ...notify,
      })
    ).hub;
  });

  afterAll(async () => {
    await second?.stop();
    await t?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const at = (path: string) => received.filter((r) => r.path === path);

  it('POST the event as JSON, signed with HMAC-SHA256, and as a Slack message, once each with two hubs', async () => {
    const event = await t.app.get(FleetEventsService).record(draft('sync of web failed: ConfigMap/web/web: denied'));
    await eventually(() => {
      expect(at('/json')).toHaveLength(1);
      expect(at('/slack')).toHaveLength(1);
    });
    const json = at('/json')[0];
    expect(JSON.parse(json.body)).toEqual({ event });
    const expected = `sha256=${createHmac('sha256', SECRET).update(json.body).digest('hex')}`;
    expect(json.headers['x-gitfleet-signature-256']).toBe(expected);
    expect(json.headers['content-type']).toBe('application/json');

    const slack = JSON.parse(at('/slack')[0].body) as { text: string; blocks: { fields?: { text: string }[] }[] };
    expect(slack.text).toContain('sync.failed');
    expect(slack.text).toContain('denied');
    const fields = slack.blocks
      .flatMap((b) => b.fields ?? [])
      .map((f) => f.text)
      .join('\n');
    expect(fields).toContain('prod-1');
    expect(fields).toContain('web');
    expect(fields).toContain('aaaaaaaaaaaa');
    expect(fields).toContain('error');
    expect(at('/slack')[0].headers['x-gitfleet-signature-256']).toBeUndefined();

    // Both hubs saw the event; only one sent it.
    await new Promise((r) => setTimeout(r, 300));
    expect(at('/json')).toHaveLength(1);
    const claims = await t.query<{ webhook: string; state: string; attempts: number }>(
      `SELECT webhook, state, attempts FROM notification_delivery WHERE event_id = $1 ORDER BY webhook`,
      [event.id],
    );
    expect(claims).toEqual([
      { webhook: 'json', state: 'delivered', attempts: 1 },
      { webhook: 'slack', state: 'delivered', attempts: 1 },
    ]);
  });

  it('retry after a server error, then succeed', async () => {
    script['/flaky'] = [500, 503];
    const event = await t.app.get(FleetEventsService).record(draft('drifted', 'drift.detected'));
    await eventually(async () => {
      const [claim] = await t.query<{ state: string; attempts: number }>(
        `SELECT state, attempts FROM notification_delivery WHERE event_id = $1`,
        [event.id],
      );
      expect(claim).toEqual({ state: 'delivered', attempts: 3 });
    });
    expect(at('/flaky')).toHaveLength(3);
  });

  it('do not retry a 4xx refusal', async () => {
    script['/refusing'] = [400, 400];
    const event = await t.app.get(FleetEventsService).record(draft('halted', 'rollout.halted'));
    await eventually(async () => {
      const [claim] = await t.query<{ state: string; attempts: number; last_error: string }>(
        `SELECT state, attempts, last_error FROM notification_delivery WHERE event_id = $1`,
        [event.id],
      );
      expect(claim).toEqual({ state: 'failed', attempts: 1, last_error: 'HTTP 400' });
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(at('/refusing')).toHaveLength(1);
  });

  it('a delivery whose sender died is taken over once its lease ran out, counting the attempts made', async () => {
    // cluster.revoked goes to no webhook: the rows below are the only deliveries of these events.
    const events = t.app.get(FleetEventsService);
    const stale = await events.record(draft('stale', 'cluster.revoked')); // one after the other: ids in this order
    const leased = await events.record(draft('leased', 'cluster.revoked'));
    const spent = await events.record(draft('spent', 'cluster.revoked'));
    await t.query(
      `INSERT INTO notification_delivery (event_id, webhook, attempts, lease_until) VALUES
         ($1, 'json', 2, now() - interval '1 second'), ($2, 'json', 1, now() + interval '1 hour'), ($3, 'json', 5, now() - interval '1 second')`,
      [stale.id, leased.id, spent.id],
    );
    const before = at('/json').length;
    await t.app.get(NotificationsService).reclaim();
    const rows = await t.query<{ event_id: string; state: string; attempts: number; last_error: string | null }>(
      `SELECT event_id::text, state, attempts, last_error FROM notification_delivery WHERE event_id = ANY($1::bigint[]) ORDER BY event_id`,
      [[stale.id, leased.id, spent.id]],
    );
    expect(rows).toEqual([
      { event_id: stale.id, state: 'delivered', attempts: 3, last_error: null },
      { event_id: leased.id, state: 'sending', attempts: 1, last_error: null }, // its sender's lease holds
      { event_id: spent.id, state: 'failed', attempts: 5, last_error: 'no attempts left when taken over' },
    ]);
    expect(
      at('/json')
        .slice(before)
        .map((r) => (JSON.parse(r.body) as { event: { id: string } }).event.id),
    ).toEqual([stale.id]);
  });

  it('a hub that stops with a retry pending hands the delivery back; another takes it over', async () => {
    // Only these two hubs know the 'handback' webhook: the test's other hubs leave it alone.
    const webhook = validateNotifyWebhooks([{ name: 'handback', url: `${base}/handback`, events: ['cluster.revoked'] }], 'NOTIFY_WEBHOOKS');
    const launch = async () =>
      launchHub({
        databaseUrl: t.db.url,
        dataDir: await mkdtemp(join(tmpdir(), 'gitfleet-hub3-')),
        fleetRepoUrl: t.repo.url,
        bootstrapToken: t.bootstrapToken,
        httpPort: 0,
        grpcPort: 0,
        fleetPollIntervalMs: 60_000,
        logLevel: 'silent',
        notifyWebhooks: webhook,
        notifyRetryDelayMs: 60_000,
      });
    const first = await launch();
    script['/handback'] = [503];
    const event = await first.app.get(FleetEventsService).record(draft('handed back', 'cluster.revoked'));
    await eventually(async () => {
      const [row] = await t.query<{ attempts: number }>(
        `SELECT attempts FROM notification_delivery WHERE event_id = $1 AND webhook = 'handback'`,
        [event.id],
      );
      expect(row?.attempts).toBe(1); // failed once, a retry in about a minute
    });
    await first.hub.stop();
    const [handedBack] = await t.query<{ state: string; expired: boolean }>(
      `SELECT state, lease_until <= now() AS expired FROM notification_delivery WHERE event_id = $1 AND webhook = 'handback'`,
      [event.id],
    );
    expect(handedBack).toEqual({ state: 'sending', expired: true });

    const next = await launch();
    try {
      await next.app.get(NotificationsService).reclaim();
      const [row] = await t.query<{ state: string; attempts: number }>(
        `SELECT state, attempts FROM notification_delivery WHERE event_id = $1 AND webhook = 'handback'`,
        [event.id],
      );
      expect(row).toEqual({ state: 'delivered', attempts: 2 });
      expect(at('/handback')).toHaveLength(2);
    } finally {
      await next.hub.stop();
    }
  });

  it('refuse bad webhook settings at start-up, naming the variable and the entry', () => {
    expect(() => validateNotifyWebhooks({}, 'NOTIFY_WEBHOOKS')).toThrow('NOTIFY_WEBHOOKS must be a JSON array');
    expect(() => validateNotifyWebhooks([{ name: 'a', url: 'ftp://x' }], 'NOTIFY_WEBHOOKS')).toThrow('NOTIFY_WEBHOOKS[0] ("a").url');
    expect(() => validateNotifyWebhooks([{ name: 'a', url: 'https://x', events: ['nope'] }], 'NOTIFY_WEBHOOKS')).toThrow(/events.*"nope"/);
    expect(() => validateNotifyWebhooks([{ name: 'a', url: 'https://x', format: 'xml' }], 'V')).toThrow('V[0] ("a").format');
    expect(() => validateNotifyWebhooks([{ name: 'a', url: 'https://x', secret: 'short' }], 'V')).toThrow('V[0] ("a").secret');
    expect(() =>
      validateNotifyWebhooks(
        [
          { name: 'a', url: 'https://x' },
          { name: 'a', url: 'https://y' },
        ],
        'V',
      ),
    ).toThrow('V[1] ("a").name is used twice');
    expect(validateNotifyWebhooks([{ name: 'a', url: 'https://x' }], 'V')[0]).toEqual({
      name: 'a',
      url: 'https://x',
      format: 'json',
      events: ['sync.failed', 'health.degraded', 'drift.detected', 'rollout.halted'],
    });
  });
});
