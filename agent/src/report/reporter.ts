import type { StatusReport } from '#proto';
import type { TargetSyncResult } from '../engine/change-set';
import { ReportSequence } from './sequence';
import { buildStatusReport, defaultReportLimits, type ReportLimits } from './status-report';

/** Numbers each sync result and hands it to the link, which keeps it until the hub acks it. */
export class Reporter {
  constructor(
    private readonly link: { send(report: StatusReport): void },
    private readonly sequence: ReportSequence = new ReportSequence(),
    private readonly limits: ReportLimits = defaultReportLimits(),
  ) {}

  publish(result: TargetSyncResult): void {
    this.link.send(buildStatusReport(result, this.sequence.next(), this.limits));
  }
}
