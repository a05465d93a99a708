/**
 * What a fake agent reports on a target (fake-agent.ts), and the keys that tell it whether a
 * target changed: plain functions over the generated messages, no state of their own.
 */
import { HealthStatus, ReportReason, ResourceAction, SyncPhase, type StatusReport, type Target } from '#proto';

/**
 * The StatusReport of a sync of `target` that found its one resource healthy and unchanged;
 * with `unchanged`, one that carries no sync start (a restamp: no deployment is recorded).
 */
export function syncedReport(seq: string, target: Target, targetSetRevision: string, now: Date, unchanged: boolean): StatusReport {
  return {
    seq,
    bundle: target.bundle,
    commit: target.source?.commit ?? '',
    phase: SyncPhase.SYNC_PHASE_SYNCED,
    message: '',
    resources: [
      {
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: target.defaultNamespace, name: target.bundle },
        action: ResourceAction.RESOURCE_ACTION_UNCHANGED,
        error: '',
        health: HealthStatus.HEALTH_STATUS_HEALTHY,
        healthMessage: '',
        drifted: false,
        driftDiff: '',
      },
    ],
    observedAt: now.toISOString(),
    targetSetRevision,
    health: HealthStatus.HEALTH_STATUS_HEALTHY,
    summary: { created: 0, configured: 0, unchanged: 1, deleted: 0, skipped: 0, failed: 0 },
    driftCount: 0,
    resourcesTruncated: false,
    syncStartedAt: unchanged ? '' : now.toISOString(),
    reason: ReportReason.REPORT_REASON_SYNC,
  };
}

/**
 * What tells a target from the one held before, as far as the bench's commits change it: its
 * commit and content key. (The agent compares the whole target; over 100,000 targets a commit,
 * that would be the generators' CPU, taken from the machine the hub is measured on.)
 */
export function sameTargetKey(target: Target): string {
  return `${target.source?.commit}\0${contentKey(target)}`;
}

/**
 * What a sync of the target applies, as far as the bench's commits change it: its artifact (or
 * source commit), path and values. The agent's own key (agent/src/engine/target-key.ts) also
 * counts rendering, namespace, suspension, pruning and policy, which these commits leave alone.
 */
export function contentKey(target: Target): string {
  return `${target.artifact?.digest || target.source?.commit}\0${target.source?.path}\0${JSON.stringify(target.values)}`;
}
