/**
 * The session's two queues (its inbox, and OrderedAnswers) without a hub: messages handled one at
 * a time in arrival order, and answers to reports sent in report order whatever order the store
 * settles them in.
 */
import { EventEmitter } from 'node:events';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { RejectReason, StatusReport, type AgentMessage } from '#proto';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../database/batcher';
import { createLogger } from '../logging/logger';
import type { ReceivedReport } from '../status/report';
import { UnstorableReportError, type StoreResult } from '../status/status.service';
import { STATUS_ACKS_CAPABILITY } from '#core';
import { AgentSession, type AgentCall, type SessionContext } from './agent-session';

const CLUSTER = { id: '00000000-0000-4000-8000-00000000c001', name: 'one', credentialHash: 'h', targetSet: null };

/** A Connect call that records what the hub writes and whether it paused reading. */
class FakeCall extends EventEmitter {
  cancelled = false;
  writableEnded = false;
  paused = false;
  readonly written: ReturnType<typeof sent>[] = [];
  ended: { code: number; details: string } | undefined;

  write(message: Parameters<AgentCall['write']>[0]): boolean {
    this.written.push(sent(message));
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  isPaused(): boolean {
    return this.paused;
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      this.ended = args[0] as { code: number; details: string };
      return true;
    }
    return super.emit(event, ...args);
  }
  receive(message: AgentMessage): void {
    this.emit('data', message);
  }
}

/** What the session wrote, as `ack <seq>` or `reject <seq> <reason>` (other messages by kind). */
function sent(message: Parameters<AgentCall['write']>[0]): string {
  const kind = (message as { kind?: { $case: string; value: { seq?: string; reason?: RejectReason } } }).kind;
  if (kind?.$case === 'statusAck') return ['ack', kind.value.seq, ...((kind.value as { moreSeqs?: string[] }).moreSeqs ?? [])].join(' ');
  if (kind?.$case === 'statusReject') return `reject ${kind.value.seq} ${RejectReason[kind.value.reason!]}`;
  return kind?.$case ?? 'encoded';
}

/** A store whose writes settle when the test says, in any order; the agent announces `capabilities` in Hello. */
function harness(capabilities: string[] = []) {
  const stores = new Map<string, (outcome: Outcome<StoreResult>) => void>();
  const acks: { revision: string; release: () => void }[] = [];
  const context: SessionContext = {
    currentTargetSet: () => Promise.resolve(null),
    targetSetEpoch: () => 0,
    recordAck: (_id, revision) => new Promise<void>((release) => acks.push({ revision, release })),
    storeReport: (_id, report: ReceivedReport, settle) => void stores.set(report.seq, settle),
    heard: () => undefined,
    greeted: () => undefined,
    closed: () => undefined,
    log: createLogger('silent'),
  };
  const call = new FakeCall();
  const session = new AgentSession(CLUSTER, call as unknown as AgentCall, context, 0);
  session.start();
  call.receive({
    kind: {
      $case: 'hello',
      value: { clusterId: CLUSTER.id, agentVersion: 't', lastAckedSeq: '0', targetSetChecksum: '', capabilities },
    },
  });
  const stored = (seq: string) => stores.get(seq)!({ ok: true, result: { stored: true, current: true } });
  return { call, session, stores, acks, stored };
}

const report = (seq: string): AgentMessage => ({
  kind: {
    $case: 'statusReport',
    value: StatusReport.fromPartial({ seq, bundle: 'web', commit: 'abc', observedAt: new Date().toISOString() }),
  },
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('AgentSession', () => {
  it('acks reports in the order they came, whatever order they are stored in, and drains only after the last', async () => {
    const { call, session, stores, stored } = harness();
    await turn();
    for (const seq of ['1', '2', '3']) call.receive(report(seq));
    expect([...stores.keys()]).toEqual(['1', '2', '3']);
    let drained = false;
    void session.drained().then(() => (drained = true));

    stored('3');
    stored('2');
    await turn();
    expect(call.written).toEqual([]);
    expect(drained).toBe(false);

    stored('1');
    expect(call.written).toEqual(['ack 1', 'ack 2', 'ack 3']);
    await turn();
    expect(drained).toBe(true);
  });

  it('acks the reports stored in one turn with one StatusAck when the agent takes them so, and drains only once it is sent', async () => {
    const { call, session, stored } = harness([STATUS_ACKS_CAPABILITY]);
    await turn();
    for (const seq of ['1', '2', '3', '4']) call.receive(report(seq));
    let drained = false;
    void session.drained().then(() => (drained = true));

    stored('2');
    stored('1');
    stored('3');
    expect(call.written).toEqual([]);
    await Promise.resolve();
    expect(call.written).toEqual(['ack 1 2 3']);
    expect(drained).toBe(false);
    stored('4');
    await turn();
    expect(call.written).toEqual(['ack 1 2 3', 'ack 4']);
    expect(drained).toBe(true);
  });

  it('sends gathered acks before anything else, so the agent hears every answer in report order', async () => {
    const { call, stored } = harness([STATUS_ACKS_CAPABILITY]);
    await turn();
    call.receive(report('1'));
    call.receive(report('not-a-number'));
    call.receive(report('2'));
    call.receive(report('3'));
    stored('1');
    stored('2');
    stored('3');
    await turn();
    expect(call.written).toEqual(['ack 1', 'reject not-a-number REJECT_REASON_INVALID', 'ack 2 3']);
  });

  it('sends a refusal that needs no database after the answers still waiting before it', async () => {
    const { call, stored } = harness();
    await turn();
    call.receive(report('1'));
    call.receive(report('not-a-number'));
    call.receive(report('2'));
    expect(call.written).toEqual([]);
    stored('1');
    expect(call.written).toEqual(['ack 1', 'reject not-a-number REJECT_REASON_INVALID']);
    stored('2');
    expect(call.written).toEqual(['ack 1', 'reject not-a-number REJECT_REASON_INVALID', 'ack 2']);
  });

  it('refuses a report the database will not take and acks it, and goes on', async () => {
    const { call, stores, stored } = harness();
    await turn();
    call.receive(report('1'));
    call.receive(report('2'));
    stores.get('1')!({ ok: false, error: new UnstorableReportError('the database refused the report: bad') });
    stored('2');
    expect(call.written).toEqual(['reject 1 REJECT_REASON_UNSTORABLE', 'ack 1', 'ack 2']);
    expect(call.ended).toBeUndefined();
  });

  it('ends the stream UNAVAILABLE, acking nothing more, when the database cannot be reached', async () => {
    const { call, stores, stored } = harness();
    await turn();
    call.receive(report('1'));
    call.receive(report('2'));
    stores.get('1')!({ ok: false, error: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    stored('2');
    expect(call.ended?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(call.written).toEqual([]);
  });

  it('handles the message after a TargetSetAck only once the ack is written', async () => {
    const { call, acks, stores } = harness();
    await turn();
    call.receive({ kind: { $case: 'targetSetAck', value: { revision: '7', checksum: 'c' } } });
    call.receive(report('1'));
    expect(acks.map((a) => a.revision)).toEqual(['7']);
    expect(stores.size).toBe(0);
    acks[0].release();
    await turn();
    expect([...stores.keys()]).toEqual(['1']);
  });

  it('stops reading while 256 messages and unanswered reports are in hand, and reads again below half', async () => {
    const { call, stored } = harness();
    await turn();
    for (let seq = 1; seq <= 255; seq++) call.receive(report(String(seq)));
    expect(call.paused).toBe(false);
    call.receive(report('256'));
    expect(call.paused).toBe(true);
    for (let seq = 1; seq <= 128; seq++) stored(String(seq));
    expect(call.paused).toBe(true);
    stored('129');
    expect(call.paused).toBe(false);
  });
});
