/**
 * The hub's answers as the CLI reads them: types from the hub's REST contract
 * (hub/src/api-contract, docs/api.md). Imported as types only, so the compiled CLI depends on
 * the wire format and nothing of the hub (nor zod) at run time; `api.spec.ts` keeps it so.
 */
import type * as contract from '../../hub/src/api-contract';

export type Page<T> = contract.Page<T>;
export type Cluster = contract.ClusterView;
export type ClusterBundle = contract.ClusterBundleView;
export type ClusterDetail = contract.ClusterDetailView;
export type ClusterBundleDetail = contract.ClusterBundleDetailView;
export type Resource = contract.ResourceStatus;
export type Bundle = contract.BundleView;
export type BundleCluster = contract.BundleClusterView;
export type Rollout = contract.RolloutView;
export type Pin = contract.PinView;
export type BootstrapToken = contract.BootstrapTokenView;
export type HistoryEntry = contract.DeploymentView;
export type HubEvent = contract.FleetEvent;
export type SyncAnswer = contract.SyncView;
export type FleetRepo = contract.FleetRepoView;
export type FleetError = contract.FleetError;
export type Fleet = contract.FleetView;
export type HubSummary = contract.FleetSummary;
export type CommitProgress = contract.CommitProgress;
export type WaitFor = contract.WaitFor;
export type BundlePhase = contract.BundlePhase;
export type BundleHealth = contract.BundleHealth;

/** Phases and health in the order the CLI lists them, best first, for stable summaries. */
export const PHASES: readonly BundlePhase[] = ['synced', 'rolling-out', 'pending', 'waiting', 'paused', 'suspended', 'failed', 'unknown'];
export const HEALTHS: readonly BundleHealth[] = ['healthy', 'progressing', 'suspended', 'missing', 'degraded', 'unknown'];
