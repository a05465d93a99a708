import { firstBrokenResource, resourceName, type HealthName, type ReportedPhase, type ResourceStatus } from '../status/report';
import type { FleetEventDraft } from './fleet-event';

/** The current status of one bundle on one cluster, as far as events care. */
export interface StatusSnapshot {
  commit: string;
  phase: ReportedPhase;
  health: HealthName;
  driftCount: number;
}

export interface StatusTransitionInput {
  cluster: string;
  bundle: string;
  /** The status before the report; null when the bundle had none on the cluster. */
  before: StatusSnapshot | null;
  after: StatusSnapshot & { message: string; resources: ResourceStatus[] };
  /** Whether the bundle's last health event on the cluster was health.degraded (a recovery is owed). */
  degradedOutstanding: boolean;
}

/**
 * The events a new current status causes, compared with the previous one: only changes count,
 * so a repeated identical report causes none. A sync result counts again on a new commit;
 * a recovery is announced once the bundle is healthy after a degraded event, even through
 * progressing in between.
 */
export function statusTransitions({ cluster, bundle, before, after, degradedOutstanding }: StatusTransitionInput): FleetEventDraft[] {
  // A report per bundle and cluster at every fleet commit comes through here: event objects are
  // written out whole (no spread of a shared base), and the broken resource and the cause are
  // looked for only when a failure or a degradation needs them.
  const events: FleetEventDraft[] = [];
  const commit = after.commit;
  const at = `${bundle}@${commit.slice(0, 12)} on ${cluster}`;
  const newCommit = before === null || before.commit !== commit;
  let broken: ResourceStatus | undefined;
  let cause: string | undefined;
  const findCause = (): string => {
    if (cause === undefined) {
      broken = firstBrokenResource(after.resources);
      cause = broken === undefined ? after.message : `${resourceName(broken)}: ${broken.error || broken.healthMessage || after.message}`;
    }
    return cause;
  };

  if (after.phase === 'failed' && (newCommit || before.phase !== 'failed')) {
    const why = findCause();
    events.push({
      cluster,
      bundle,
      commit,
      type: 'sync.failed',
      severity: 'error',
      message: `sync of ${at} failed${why === '' ? '' : `: ${why}`}`,
      details: { resource: broken === undefined ? null : resourceName(broken), previousPhase: before?.phase ?? null },
    });
  } else if (after.phase === 'synced' && (newCommit || before.phase !== 'synced')) {
    events.push({
      cluster,
      bundle,
      commit,
      type: 'sync.succeeded',
      severity: 'info',
      message: `${at} synced`,
      details: { previousPhase: before?.phase ?? null, previousCommit: before?.commit ?? null },
    });
  }
  if (after.health === 'degraded' && before?.health !== 'degraded') {
    const why = findCause();
    events.push({
      cluster,
      bundle,
      commit,
      type: 'health.degraded',
      severity: 'error',
      message: `${at} is degraded${why === '' ? '' : `: ${why}`}`,
      details: { resource: broken === undefined ? null : resourceName(broken), previousHealth: before?.health ?? null },
    });
  } else if (after.health === 'healthy' && degradedOutstanding) {
    events.push({
      cluster,
      bundle,
      commit,
      type: 'health.recovered',
      severity: 'info',
      message: `${at} is healthy again`,
      details: { previousHealth: before?.health ?? null },
    });
  }
  const driftBefore = before?.driftCount ?? 0;
  if (after.driftCount > 0 && driftBefore === 0) {
    const drifted: string[] = [];
    for (const r of after.resources) {
      if (drifted.length === 20) break;
      if (r.drifted) drifted.push(resourceName(r));
    }
    events.push({
      cluster,
      bundle,
      commit,
      type: 'drift.detected',
      severity: 'warning',
      message: `${after.driftCount} resource${after.driftCount === 1 ? '' : 's'} of ${at} drifted from the fleet`,
      details: { driftCount: after.driftCount, resources: drifted },
    });
  } else if (after.driftCount === 0 && driftBefore > 0) {
    events.push({
      cluster,
      bundle,
      commit,
      type: 'drift.corrected',
      severity: 'info',
      message: `drift of ${at} corrected`,
      details: { previousDriftCount: driftBefore },
    });
  }
  return events;
}

/** Whether a recovery check is worth a query: the bundle just became healthy. */
export function mayRecover(before: StatusSnapshot | null, after: StatusSnapshot): boolean {
  return after.health === 'healthy' && before !== null && before.health !== 'healthy';
}
