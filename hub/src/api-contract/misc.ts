import { z } from 'zod';
import { named } from './common';

/** Probes and the webhook: shapes outside the resource lists. */

export const Healthz = named('Healthz', z.strictObject({ status: z.literal('ok') }));
export const Readyz = named('Readyz', z.strictObject({ status: z.literal('ready') }));

/** What a Git push webhook answers. */
export const WebhookResult = named(
  'WebhookResult',
  z.strictObject({
    status: z.enum(['fetching', 'ignored']),
    repos: z.array(z.string()).describe('fleet repositories being fetched'),
    reason: z.string().optional(),
  }),
);
export type WebhookResult = z.infer<typeof WebhookResult>;

/** The git provider's push notification: read by the webhook itself, not by this contract. */
export const WebhookPayload = named('WebhookPayload', z.record(z.string(), z.unknown()));
