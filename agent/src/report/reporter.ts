import type { StatusReport } from '#proto';
import type { TargetSyncResult } from '../model/change-set';
import { ReportSequence } from './sequence';
import { buildStatusReport, defaultReportLimits, type ReportLimits } from './status-report';

const REFUSED = "the hub refused this bundle's report";

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

  /**
   * The hub refused `report` for good: the same bundle, phase, health and commit, without the
   * resources and message that may have been at fault, and a message saying why. A substitute
   * the hub refuses again is not replaced once more.
   */
  refused(report: StatusReport, detail: string): void {
    if (report.message.startsWith(REFUSED)) return;
    this.link.send({
      ...report,
      seq: this.sequence.next(),
      message: `${REFUSED}: ${detail}`.slice(0, 2048),
      resources: [],
      resourcesTruncated: report.resources.length > 0,
      driftCount: 0,
      summary: undefined,
    });
  }
}
