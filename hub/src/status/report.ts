import { ResourceAction, SyncPhase, type StatusReport } from '#proto';

/** What an agent can say about a bundle. */
export type ReportedPhase = 'progressing' | 'synced' | 'failed';

export type ResourceActionName = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed' | 'unspecified';

export interface ResourceStatus {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: ResourceActionName;
  error: string;
}

/** A StatusReport checked and in the shape the hub stores. */
export interface ReceivedReport {
  seq: string;
  bundle: string;
  commit: string;
  phase: ReportedPhase;
  message: string;
  resources: ResourceStatus[];
  observedAt: Date | null;
  targetSetRevision: string | null;
}

export const MAX_REPORT_RESOURCES = 5000;
const UINT64_MAX = 18446744073709551615n;
const MAX_TEXT = 64 * 1024;

export class InvalidReportError extends Error {}

const ACTIONS: Record<number, ResourceActionName> = {
  [ResourceAction.RESOURCE_ACTION_CREATED]: 'created',
  [ResourceAction.RESOURCE_ACTION_CONFIGURED]: 'configured',
  [ResourceAction.RESOURCE_ACTION_UNCHANGED]: 'unchanged',
  [ResourceAction.RESOURCE_ACTION_DELETED]: 'deleted',
  [ResourceAction.RESOURCE_ACTION_SKIPPED]: 'skipped',
  [ResourceAction.RESOURCE_ACTION_FAILED]: 'failed',
};

/** Checks a report from the wire; a report that is not well-formed is refused, not stored. */
export function receiveReport(report: StatusReport): ReceivedReport {
  if (!isUint64(report.seq)) throw new InvalidReportError(`seq must be a decimal uint64, got "${report.seq.slice(0, 40)}"`);
  if (report.bundle === '' || report.bundle.length > 253) throw new InvalidReportError('bundle must be set');
  if (report.resources.length > MAX_REPORT_RESOURCES) {
    throw new InvalidReportError(`a report carries at most ${MAX_REPORT_RESOURCES} resources`);
  }
  const observedAt = report.observedAt === '' ? null : new Date(report.observedAt);
  return {
    seq: BigInt(report.seq).toString(),
    bundle: report.bundle,
    commit: report.commit.slice(0, 64),
    phase: phaseOf(report.phase),
    message: report.message.slice(0, MAX_TEXT),
    resources: report.resources.map((r) => ({
      apiVersion: r.ref?.apiVersion ?? '',
      kind: r.ref?.kind ?? '',
      namespace: r.ref?.namespace ?? '',
      name: r.ref?.name ?? '',
      action: ACTIONS[r.action] ?? 'unspecified',
      error: r.error.slice(0, MAX_TEXT),
    })),
    observedAt: observedAt !== null && !Number.isNaN(observedAt.getTime()) ? observedAt : null,
    targetSetRevision: isUint64(report.targetSetRevision) && BigInt(report.targetSetRevision) <= 9223372036854775807n
      ? BigInt(report.targetSetRevision).toString()
      : null,
  };
}

/** An unspecified phase says nothing is settled yet: it counts as progressing. */
function phaseOf(phase: SyncPhase): ReportedPhase {
  if (phase === SyncPhase.SYNC_PHASE_SYNCED) return 'synced';
  if (phase === SyncPhase.SYNC_PHASE_FAILED) return 'failed';
  return 'progressing';
}

function isUint64(value: string): boolean {
  return /^\d{1,20}$/.test(value) && BigInt(value) <= UINT64_MAX;
}
