import { z } from 'zod';
import { oneOf } from './common';

/** Words the API uses for the state of a bundle on a cluster. */

/** docs/api.md "Phases". */
export const BundlePhase = oneOf(['pending', 'rolling-out', 'synced', 'failed', 'paused', 'suspended', 'waiting', 'unknown']);
export type BundlePhase = z.infer<typeof BundlePhase>;
export const BUNDLE_PHASES = BundlePhase.options;

/** A bundle's health roll-up, best to worst; unknown when nothing says. */
export const BundleHealth = oneOf(['healthy', 'suspended', 'progressing', 'unknown', 'missing', 'degraded']);
export type BundleHealth = z.infer<typeof BundleHealth>;

/** One resource's health, as its agent reported it (unspecified: the agent said nothing). */
export const ResourceHealth = z.enum(['healthy', 'suspended', 'progressing', 'unknown', 'missing', 'degraded', 'unspecified']);
export type ResourceHealth = z.infer<typeof ResourceHealth>;

/** What the agent reported at the end of a sync (deployment history). */
export const ReportedPhase = z.enum(['progressing', 'synced', 'failed', 'suspended', 'waiting']);

export const ResourceAction = z.enum(['created', 'configured', 'unchanged', 'deleted', 'skipped', 'failed', 'unspecified']);

export const ChangeSetSummary = z.strictObject({
  created: z.number().int(),
  configured: z.number().int(),
  unchanged: z.number().int(),
  deleted: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
});
export type ChangeSetSummary = z.infer<typeof ChangeSetSummary>;

export const ResourceStatus = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
  action: ResourceAction,
  error: z.string(),
  health: ResourceHealth,
  healthMessage: z.string(),
  drifted: z.boolean(),
  driftDiff: z.string().describe('Secret values masked by the agent'),
});
export type ResourceStatus = z.infer<typeof ResourceStatus>;
