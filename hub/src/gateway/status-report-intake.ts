import { RejectReason, type StatusReport } from '#proto';
import { storableText } from '#core';
import type { Logger } from '../logging/logger';
import { InvalidReportError, receiveReport, type ReceivedReport } from '../status/report';
import { UnstorableReportError, type StoreResult } from '../status/status.service';
import type { Outcome } from '../database/batcher';
import type { OutgoingHubMessage } from './hub-message-encoding';
import { GatheredAcks, OrderedAnswers } from './ordered-answers';

/**
 * Reports one cluster may send: a burst of this many, refilled at REPORTS_PER_SECOND. Beyond
 * it a report is refused with RATE_LIMITED and a time to send it again: an agent in a loop
 * cannot fill the history table or starve the status writes of other clusters.
 */
const REPORT_BURST = 1_000;
const REPORTS_PER_SECOND = 100;

/** What the intake needs from its session (AgentSession). */
export interface ReportStream {
  readonly log: Logger;
  /** Hands a report to the batched store (SessionContext.storeReport for this cluster). */
  store(report: ReceivedReport, settle: (outcome: Outcome<StoreResult>) => void): void;
  /** Sends a message, after the acks gathered so far. */
  send(message: OutgoingHubMessage): void;
  /** Writes a message as it is (the gathered acks themselves). */
  write(message: OutgoingHubMessage): void;
  /** A report's answer went out (or failed): its message is no longer in hand. */
  answered(): void;
  /** Answering threw: the session cannot go on. */
  failed(error: unknown): void;
  /** Whatever answers could be sent were: the session may be idle now. */
  flushed(): void;
}

/**
 * The status reports of one agent stream: the cluster's report rate, refusals of reports that
 * cannot be stored, and the acks and rejects, in the order the reports came. Apart from
 * AgentSession, which keeps the stream itself (the order messages are handled in, Hello,
 * TargetSets): this is the part of the protocol that answers reports.
 */
export class StatusReportIntake {
  /** Whether the agent takes several reports' acks in one StatusAck (STATUS_ACKS_CAPABILITY). */
  batchesAcks = false;
  /** Answers to reports, in report order. */
  private readonly answers = new OrderedAnswers({
    answered: () => this.stream.answered(),
    failed: (error) => this.stream.failed(error),
    flushed: () => this.stream.flushed(),
  });
  /** With batchesAcks: the acks of this turn's answers, not yet sent. */
  private readonly acks = new GatheredAcks({
    send: (seq, moreSeqs) => this.stream.write({ kind: { $case: 'statusAck', value: { seq, moreSeqs } } }),
    failed: (error) => this.stream.failed(error),
    flushed: () => this.stream.flushed(),
  });
  private reportTokens = REPORT_BURST;
  private tokensAt = Date.now();

  constructor(private readonly stream: ReportStream) {}

  /** No report is waiting for its answer, and no ack for its StatusAck. */
  get settled(): boolean {
    return this.answers.empty && this.acks.empty;
  }

  /** Sends the acks gathered so far: whatever else the session sends goes out after them. */
  flushAcks(): void {
    this.acks.flush();
  }

  /**
   * Takes one report. False when it is answered already (refused: rate, validity); true when it
   * was handed to the store and its message stays in hand until its answer is sent.
   */
  receive(wire: StatusReport): boolean {
    const seq = storableText(wire.seq, 40);
    const retryAfterMs = this.takeReportToken();
    if (retryAfterMs > 0) {
      const detail = `more than ${REPORTS_PER_SECOND} reports a second`;
      this.answers.add(() =>
        this.stream.send({
          kind: { $case: 'statusReject', value: { seq, reason: RejectReason.REJECT_REASON_RATE_LIMITED, detail, retryAfterMs } },
        }),
      );
      return false;
    }
    let report: ReceivedReport;
    try {
      report = receiveReport(wire);
    } catch (error) {
      if (!(error instanceof InvalidReportError)) throw error;
      this.stream.log.warn({ seq, bundle: storableText(wire.bundle, 80), reason: error.message }, 'status report refused: invalid');
      const detail = error.message;
      this.answers.add(() => this.sendReject(seq, RejectReason.REJECT_REASON_INVALID, detail));
      return false;
    }
    const answer = this.answers.reserve();
    this.stream.store(report, (outcome) => answer(() => this.answerStored(report, outcome)));
    return true;
  }

  private answerStored(report: ReceivedReport, outcome: Outcome<StoreResult>): void {
    if (!outcome.ok) {
      if (!(outcome.error instanceof UnstorableReportError)) throw outcome.error;
      this.sendReject(report.seq, RejectReason.REJECT_REASON_UNSTORABLE, outcome.error.message);
      return;
    }
    if (this.stream.log.isLevelEnabled('debug'))
      this.stream.log.debug(
        { bundle: report.bundle, commit: report.commit, seq: report.seq, phase: report.phase, ...outcome.result },
        'status report stored',
      );
    this.ack(report.seq);
  }

  /** Acks a stored report: at once, or (batchesAcks) with the others answered in this turn. */
  private ack(seq: string): void {
    if (this.batchesAcks) this.acks.add(seq);
    else this.stream.send({ kind: { $case: 'statusAck', value: { seq, moreSeqs: [] } } });
  }

  /** Takes one report's share of the cluster's rate; 0 when there was one, else ms until there is. */
  private takeReportToken(): number {
    const now = Date.now();
    this.reportTokens = Math.min(REPORT_BURST, this.reportTokens + ((now - this.tokensAt) * REPORTS_PER_SECOND) / 1000);
    this.tokensAt = now;
    if (this.reportTokens >= 1) {
      this.reportTokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.reportTokens) * 1000) / REPORTS_PER_SECOND);
  }

  /**
   * Refuses a report for good: the agent drops it. The ack that follows makes agents that
   * predate StatusReject drop it too, instead of sending it again on every reconnect.
   */
  private sendReject(seq: string, reason: RejectReason, detail: string): void {
    this.stream.send({ kind: { $case: 'statusReject', value: { seq, reason, detail: storableText(detail, 1024), retryAfterMs: 0 } } });
    if (/^\d{1,20}$/.test(seq)) this.ack(seq);
  }
}
