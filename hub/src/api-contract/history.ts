import { z } from 'zod';
import { named, NewestFirstPageQuery, pageOf, QueryText, Time } from './common';
import { ChangeSetSummary, ReportedPhase, ResourceHealth } from './status';

/** One finished sync of one bundle on one cluster. */
export const DeploymentView = named(
  'DeploymentView',
  z.strictObject({
    id: z.string(),
    cluster: z.string(),
    bundle: z.string(),
    commit: z.string(),
    startedAt: Time.nullable(),
    finishedAt: Time.nullable(),
    result: ReportedPhase.describe('synced | failed'),
    health: ResourceHealth,
    summary: ChangeSetSummary.nullable(),
    message: z.string(),
  }),
);
export type DeploymentView = z.infer<typeof DeploymentView>;

export const DeploymentPage = named('DeploymentPage', pageOf(DeploymentView));

/** Newest first: `cursor` (or `before`, its older name) is the `next` of the previous page. */
export const HistoryQuery = NewestFirstPageQuery.extend({
  cluster: QueryText.optional().describe('cluster name'),
  bundle: QueryText.optional().describe('bundle name'),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;
