import { z } from 'zod';
import { named, NewestFirstPageQuery, pageOf, QueryText, Time } from './common';

/** One mutating API call: who (token), what (method, route, target), when, and how it ended. */
export const AuditEntry = named(
  'AuditEntry',
  z.strictObject({
    id: z.string(),
    at: Time,
    actor: z.strictObject({ tokenId: z.string(), name: z.string() }),
    method: z.string(),
    route: z.string().describe('route pattern, e.g. /api/v1/clusters/:name/revoke'),
    path: z.string().describe('the path called, without the query string'),
    target: z.string().describe('the route parameters joined with "/"'),
    status: z.number().int(),
  }),
);
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = named('AuditPage', pageOf(AuditEntry));

export const AuditQuery = NewestFirstPageQuery.extend({
  actor: QueryText.optional().describe('token name'),
});
export type AuditQuery = z.infer<typeof AuditQuery>;
