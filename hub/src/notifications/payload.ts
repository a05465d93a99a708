import { createHmac } from 'node:crypto';
import type { FleetEvent } from '../events/fleet-event';
import type { NotifyWebhook } from '../config/notify-webhooks';

export const SIGNATURE_HEADER = 'X-Gitfleet-Signature-256';

/** The body POSTed for an event: the event itself (json) or a Slack message (slack). */
export function notificationBody(event: FleetEvent, format: NotifyWebhook['format']): string {
  return JSON.stringify(format === 'slack' ? slackMessage(event) : { event });
}

/** `sha256=<hex>` of the exact body, as GitHub signs its webhooks. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const ICON: Record<FleetEvent['severity'], string> = { info: ':information_source:', warning: ':warning:', error: ':rotating_light:' };

/** A Slack-compatible message: `text` for notifications and clients without blocks, blocks for the rest. */
export function slackMessage(event: FleetEvent): { text: string; blocks: unknown[] } {
  const fields = [
    ['Cluster', event.cluster],
    ['Bundle', event.bundle],
    ['Commit', event.commit?.slice(0, 12) ?? null],
    ['Severity', event.severity],
  ].filter((f): f is [string, string] => f[1] !== null);
  return {
    text: `${ICON[event.severity]} [${event.type}] ${event.message}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${ICON[event.severity]} *${event.type}*\n${escapeSlack(event.message)}` } },
      { type: 'section', fields: fields.map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n\`${escapeSlack(value)}\`` })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `gitfleet event ${event.id} at ${event.at}` }] },
    ],
  };
}

function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
