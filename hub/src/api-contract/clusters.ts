import { z } from 'zod';
import { KeyPageQuery, Labels, named, oneOf, pageOf, QueryText, Time, Uuid } from './common';
import { Condition } from './condition';
import { BundleHealth, BundlePhase, ChangeSetSummary, ResourceStatus } from './status';

export const ClusterState = oneOf(['pending', 'active', 'revoked']);
export type ClusterState = z.infer<typeof ClusterState>;
export const Connectivity = oneOf(['connected', 'unreachable']);
export type Connectivity = z.infer<typeof Connectivity>;

/** Where the cluster stands in the bundle's rollout, when the bundle has one. */
export const RolloutPosition = z.enum(['admitted', 'waiting', 'paused']).nullable();

export const TargetSetView = z.strictObject({ revision: z.string(), checksum: z.string(), ackedRevision: z.string().nullable() });

export const ClusterBundleView = z.strictObject({
  bundle: z.string(),
  desiredCommit: z.string().describe("what the cluster's TargetSet asks for now"),
  commit: z.string().nullable().describe('commit of the newest report'),
  phase: BundlePhase,
  health: BundleHealth,
  condition: Condition,
  driftCount: z.number().int(),
  lastReportAt: Time.nullable(),
  rollout: RolloutPosition,
});
export type ClusterBundleView = z.infer<typeof ClusterBundleView>;

const clusterHead = {
  id: Uuid,
  name: z.string(),
  labels: Labels,
  state: ClusterState,
  connectivity: Connectivity,
  connected: z.boolean().describe('a session is open on some hub (raw flag)'),
  lastSeenAt: Time.nullable(),
  targetSet: TargetSetView.nullable(),
};

export const ClusterView = named('ClusterView', z.strictObject({ ...clusterHead, bundles: z.array(ClusterBundleView) }));
export type ClusterView = z.infer<typeof ClusterView>;

/** The newest sync that applied the bundle whole (reported synced): what the cluster runs, whatever was tried since. */
export const AppliedSync = z.strictObject({
  commit: z.string(),
  at: Time.nullable(),
  summary: ChangeSetSummary.nullable().describe("that sync's change set: created + configured + unchanged objects are live"),
  resources: z
    .array(ResourceStatus)
    .describe('the resources of the newest report that said synced, health as it was then: what still runs after a failed attempt'),
});
export type AppliedSync = z.infer<typeof AppliedSync>;

export const ClusterBundleDetailView = ClusterBundleView.extend({
  lastApplied: AppliedSync.nullable().describe(
    'null: nothing applied yet, or older than the deployment history keeps. `commit` above is the last attempted commit (the newest report)',
  ),
  lastKnownPhase: BundlePhase.exclude(['unknown']),
  lastKnownHealth: BundleHealth,
  message: z.string(),
  observedAt: Time.nullable(),
  syncStartedAt: Time.nullable(),
  summary: ChangeSetSummary.nullable(),
  resources: z.array(ResourceStatus),
});
export type ClusterBundleDetailView = z.infer<typeof ClusterBundleDetailView>;

export const ClusterDetailView = named(
  'ClusterDetailView',
  z.strictObject({
    ...clusterHead,
    registeredAt: Time,
    stateChangedAt: Time.nullable(),
    clientCertificate: z
      .strictObject({ serial: z.string(), notAfter: Time })
      .nullable()
      .describe(
        "the newest unexpired, unrevoked client certificate the hub issued to the cluster's agent (docs/security.md); null: it has none and authenticates with its bearer credential",
      ),
    bundles: z.array(ClusterBundleDetailView),
  }),
);
export type ClusterDetailView = z.infer<typeof ClusterDetailView>;

export const ClusterPage = named('ClusterPage', pageOf(ClusterView));

/** What approve, revoke and rotate-credential answer. */
export const ClusterStateView = named(
  'ClusterStateView',
  z.strictObject({ id: Uuid, name: z.string(), state: ClusterState, stateChangedAt: Time.nullable() }),
);
export type ClusterStateView = z.infer<typeof ClusterStateView>;

/** What revoke-certificates answers: the cluster, and how many unexpired client certificates were revoked. */
export const CertificatesRevokedView = named(
  'CertificatesRevokedView',
  z.strictObject({
    id: Uuid,
    name: z.string(),
    state: ClusterState,
    stateChangedAt: Time.nullable(),
    revokedCertificates: z.number().int(),
  }),
);
export type CertificatesRevokedView = z.infer<typeof CertificatesRevokedView>;

export const ClusterListQuery = KeyPageQuery.extend({
  label: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('key=value; repeat for several (all must match)'),
  selector: QueryText.optional().describe('kubectl-style label selector: env=prod,tier!=db,region in (eu,us),team,!legacy'),
  state: ClusterState.optional(),
  connectivity: Connectivity.optional(),
  phase: BundlePhase.optional().describe('clusters with at least one bundle in this phase'),
  name: QueryText.max(253, { error: 'must be at most 253 characters' }).optional().describe('part of the cluster name, any case'),
  drifted: oneOf(['true']).optional().describe('true: clusters with a drifted resource in some bundle'),
});
export type ClusterListQuery = z.infer<typeof ClusterListQuery>;

/** What a sync-now answers: the Command's id, and the clusters whose agents got it or did not. */
export const SyncView = named(
  'SyncView',
  z.strictObject({
    command: Uuid,
    bundle: z.string().nullable(),
    reached: z.array(z.string()).describe('clusters with a session on some hub replica: the Command was sent'),
    notConnected: z.array(z.string()).describe('clusters without a session: nothing was sent (they sync when they reconnect)'),
  }),
);
export type SyncView = z.infer<typeof SyncView>;

const Count = z.number().int();
const PhaseCounts = z.record(BundlePhase, Count).describe('bundles on clusters (one per cluster and bundle), by phase');

export const FleetSummaryQuery = z.object({
  groupBy: QueryText.regex(/^[A-Za-z0-9._/-]{1,317}$/, { error: 'must be a label key' })
    .optional()
    .describe('a label key: counts per value of that label too (clusters without it are counted under null)'),
});
export type FleetSummaryQuery = z.infer<typeof FleetSummaryQuery>;

export const FleetSummaryGroup = z.strictObject({
  value: z.string().nullable().describe('the label value; null: clusters without the label'),
  clusters: Count,
  unreachable: Count,
  phases: PhaseCounts,
});
export type FleetSummaryGroup = z.infer<typeof FleetSummaryGroup>;

/** The whole fleet at a glance: counts, never rows (GET /api/v1/summary). */
export const FleetSummary = named(
  'FleetSummary',
  z.strictObject({
    clusters: Count,
    states: z.record(ClusterState, Count),
    connectivity: z.record(Connectivity, Count),
    unreachableActive: Count.describe('active clusters whose agent is unreachable (pending and revoked ones always are)'),
    phases: PhaseCounts,
    drift: z
      .strictObject({
        placements: Count.describe('bundles on clusters with at least one drifted resource'),
        resources: Count.describe('drifted resources, over all bundles on all clusters'),
      })
      .describe("as the clusters' views count driftCount"),
    groupBy: z.string().nullable(),
    groups: z.array(FleetSummaryGroup).describe(`per value of groupBy, by value; at most 1,000 (the most populous)`),
    groupsTruncated: z.boolean(),
  }),
);
export type FleetSummary = z.infer<typeof FleetSummary>;
