import type { StatusReport } from '#proto';

/**
 * Reports the hub has not acknowledged yet, in the order they were produced. At-least-once:
 * a report leaves only when the hub acks its seq; after a reconnect everything left is sent
 * again, in order (the hub's store is idempotent on cluster + seq).
 */
export class ReportOutbox {
  private readonly reports = new Map<string, StatusReport>();
  private highestAcked: bigint | undefined;

  /**
   * @param capacity while the hub is away the outbox is bounded; past it the oldest reports
   *   are dropped (they are history; the newest report per bundle is what decides its status).
   * @param onDrop told about each dropped report, so that the caller can log it.
   */
  constructor(
    private readonly capacity = 10_000,
    private readonly onDrop: (report: StatusReport) => void = () => {},
  ) {}

  add(report: StatusReport): void {
    this.reports.set(report.seq, report);
    while (this.reports.size > this.capacity) {
      const oldest = this.reports.keys().next().value as string;
      const dropped = this.reports.get(oldest)!;
      this.reports.delete(oldest);
      this.onDrop(dropped);
    }
  }

  /** Removes the acknowledged report. Acks for unknown seqs (already acked, re-acked) are harmless. */
  ack(seq: string): void {
    this.reports.delete(seq);
    const value = parseSeq(seq);
    if (value !== undefined && (this.highestAcked === undefined || value > this.highestAcked)) {
      this.highestAcked = value;
    }
  }

  /** The unacknowledged report with this seq, if any. */
  get(seq: string): StatusReport | undefined {
    return this.reports.get(seq);
  }

  /** Unacknowledged reports, oldest first. */
  pending(): StatusReport[] {
    return [...this.reports.values()];
  }

  get size(): number {
    return this.reports.size;
  }

  /** For Hello.last_acked_seq; "" before the first ack. */
  get lastAckedSeq(): string {
    return this.highestAcked === undefined ? '' : this.highestAcked.toString();
  }
}

function parseSeq(seq: string): bigint | undefined {
  return /^\d{1,20}$/.test(seq) ? BigInt(seq) : undefined;
}
