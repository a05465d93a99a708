import { FleetEventType } from '../api-contract';

/** One outgoing webhook of NOTIFY_WEBHOOKS. */
export interface NotifyWebhook {
  /** Unique; names the webhook in logs and in delivery claims. */
  name: string;
  /** http(s); for Slack the incoming-webhook URL (it holds a secret: never logged). */
  url: string;
  events: FleetEventType[];
  format: 'json' | 'slack';
  /** When set, the body's HMAC-SHA256 is sent as `X-Gitfleet-Signature-256: sha256=<hex>`. */
  secret?: string;
}

export const DEFAULT_NOTIFY_EVENTS: FleetEventType[] = ['sync.failed', 'health.degraded', 'drift.detected', 'rollout.halted'];
export const MIN_NOTIFY_SECRET_LENGTH = 16;

/** Checks the webhooks; errors name `variable[index]` (and the webhook's name when it has one) and the field. */
export function validateNotifyWebhooks(value: unknown, variable: string): NotifyWebhook[] {
  if (!Array.isArray(value)) throw new Error(`${variable} must be a JSON array of webhooks`);
  const names = new Set<string>();
  return value.map((entry: unknown, i) => {
    const at = (field: string) => {
      const name = typeof (entry as { name?: unknown })?.name === 'string' ? ` ("${(entry as { name: string }).name.slice(0, 40)}")` : '';
      return `${variable}[${i}]${name}.${field}`;
    };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${variable}[${i}] must be an object`);
    const e = entry as Record<string, unknown>;
    const known = ['name', 'url', 'events', 'format', 'secret'];
    const unknown = Object.keys(e).find((k) => !known.includes(k));
    if (unknown !== undefined) throw new Error(`${at(unknown)} is not a webhook setting (${known.join(', ')})`);
    if (typeof e.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(e.name)) {
      throw new Error(`${at('name')} must be 1-63 letters, digits, '.', '_' or '-'`);
    }
    if (names.has(e.name)) throw new Error(`${at('name')} is used twice`);
    names.add(e.name);
    if (typeof e.url !== 'string' || !isHttpUrl(e.url)) throw new Error(`${at('url')} must be an http:// or https:// URL`);
    let events = DEFAULT_NOTIFY_EVENTS;
    if (e.events !== undefined) {
      if (!Array.isArray(e.events) || e.events.length === 0) throw new Error(`${at('events')} must be a non-empty array of event types`);
      const bad = e.events.find((t) => typeof t !== 'string' || !FleetEventType.safeParse(t).success);
      if (bad !== undefined) throw new Error(`${at('events')}: "${String(bad).slice(0, 40)}" is not an event type`);
      events = [...new Set(e.events as FleetEventType[])];
    }
    const format = e.format ?? 'json';
    if (format !== 'json' && format !== 'slack') throw new Error(`${at('format')} must be "json" or "slack"`);
    if (e.secret !== undefined && (typeof e.secret !== 'string' || e.secret.length < MIN_NOTIFY_SECRET_LENGTH)) {
      throw new Error(`${at('secret')} must be at least ${MIN_NOTIFY_SECRET_LENGTH} characters`);
    }
    return { name: e.name, url: e.url, events, format, ...(e.secret === undefined ? {} : { secret: e.secret }) };
  });
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
