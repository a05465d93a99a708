import { describe, expect, it } from 'vitest';
import { StatusReport } from '#proto';
import { ReportOutbox } from './outbox';

function report(seq: string): StatusReport {
  return StatusReport.fromPartial({
    seq,
    bundle: 'web',
    commit: '',
    phase: 0,
    message: '',
    resources: [],
    observedAt: '',
    targetSetRevision: '1',
  });
}

describe('ReportOutbox', () => {
  it('keeps unacknowledged reports in the order they were added', () => {
    const outbox = new ReportOutbox();
    ['10', '11', '12', '13'].forEach((seq) => outbox.add(report(seq)));
    outbox.ack('11');
    expect(outbox.pending().map((r) => r.seq)).toEqual(['10', '12', '13']);
    expect(outbox.lastAckedSeq).toBe('11');
  });

  it('ignores a repeated or unknown ack and remembers the highest acked seq', () => {
    const outbox = new ReportOutbox();
    outbox.add(report('1700000000000000001'));
    outbox.ack('1700000000000000001');
    outbox.ack('1700000000000000001');
    outbox.ack('5');
    expect(outbox.size).toBe(0);
    expect(outbox.lastAckedSeq).toBe('1700000000000000001');
  });

  it('drops the oldest reports past its capacity and says which', () => {
    const dropped: string[] = [];
    const outbox = new ReportOutbox(2, (r) => dropped.push(r.seq));
    ['1', '2', '3'].forEach((seq) => outbox.add(report(seq)));
    expect(outbox.pending().map((r) => r.seq)).toEqual(['2', '3']);
    expect(dropped).toEqual(['1']);
  });
});
