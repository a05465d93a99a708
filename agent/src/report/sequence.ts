/**
 * Report sequence numbers (docs/protocol.md "Sequence numbers"): they must grow across agent
 * restarts without being stored, so the counter starts at the current time in microseconds
 * and adds one per report.
 */
export class ReportSequence {
  private current: bigint;

  constructor(nowMs: number = Date.now()) {
    this.current = BigInt(Math.floor(nowMs)) * 1000n;
  }

  /** The next seq as a decimal string. */
  next(): string {
    const seq = this.current;
    this.current += 1n;
    return seq.toString();
  }
}
