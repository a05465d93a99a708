/**
 * The gateway's per-message work for a fleet commit, without sockets or a database (issue 16):
 * BENCH_SESSIONS AgentSessions, each on a fake Connect call, get a TargetSetAck and a
 * StatusReport per round, as every agent sends after a commit; the acks and reports are
 * "written" in batches a few milliseconds later, as the hub's batchers do. It prints the CPU
 * this process spent per round (until every report is acked), which is what the hub's session
 * code costs per commit beyond transport and SQL — the part the scale bench cannot separate.
 *
 *   npm run build:bench && node --expose-gc --max-semi-space-size=64 dist/test/bench/session-path.js
 *     BENCH_SESSIONS=10000  BENCH_ROUNDS=12 (the first two are not counted: warm-up)
 *
 * FINDINGS (10,000 sessions, two runs each, the hub's --max-semi-space-size=64):
 *   - Before (de487d6; this drive with its store answering by promise, as that code took), each
 *     message went through a promise chain (then / catch / finally, an async handler) and each
 *     report's ack through another (Promise.all with the previous ack, then / catch / finally),
 *     waiting as long as the database write: 163–170 ms of CPU per round, 116–122 ms of wall time.
 *   - After: the session keeps its inbox and its answers in arrays, and the status store
 *     calls back (Batcher.submitWith) instead of resolving a promise per report: 92–112 ms of
 *     CPU, 65–84 ms of wall time (86–95 ms, 65–69 ms in this file's first runs). About 60 ms less per commit of 10,000 agents; on the scale
 *     bench, whose hub spends 2.3–3.3 s of CPU per such commit on a slow 2-core machine, that is
 *     within the run-to-run spread (three alternated pairs, commit → all reports 4.32/3.18/3.63 s
 *     before, 3.42/3.61/4.03 s after).
 */
import { EventEmitter } from 'node:events';
import { loadavg } from 'node:os';
import { StatusReport, type AgentMessage } from '#proto';
import { AgentSession, type AgentCall, type SessionContext } from '../../hub/src/gateway/agent-session';
import { createLogger } from '../../hub/src/logging/logger';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 12));
const WARM_UP = 2;

/** A Connect call that counts what the hub writes to it. */
class CountingCall extends EventEmitter {
  cancelled = false;
  writableEnded = false;
  written = 0;
  write(): boolean {
    this.written++;
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  pause(): void {}
  resume(): void {}
  isPaused(): boolean {
    return false;
  }
}

/** Work "written" together a few milliseconds after the first of it arrived, as a batcher does. */
class Batches {
  private waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  add(done: () => void): void {
    this.waiting.push(done);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const finish of this.waiting.splice(0)) finish();
    }, 2);
  }
}

async function main(): Promise<void> {
  const batches = new Batches();
  const context: SessionContext = {
    currentTargetSet: () => Promise.resolve(null),
    targetSetEpoch: () => 0,
    recordAck: () => new Promise<void>((written) => batches.add(written)),
    storeReport: (_id, _report, settle) => batches.add(() => settle({ ok: true, result: { stored: true, current: true } })),
    heard: () => undefined,
    greeted: () => undefined,
    closed: () => undefined,
    log: createLogger('silent'),
  };
  const calls: CountingCall[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const call = new CountingCall();
    new AgentSession({ id, name: `c-${i}`, credentialHash: 'h', targetSet: null }, call as unknown as AgentCall, context, 0).start();
    call.emit('data', {
      kind: { $case: 'hello', value: { clusterId: id, agentVersion: 'bench', lastAckedSeq: '0', targetSetChecksum: '', capabilities: [] } },
    } satisfies AgentMessage);
    calls.push(call);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  const seqBase = BigInt(Date.now()) * 1000n;
  const written = () => calls.reduce((sum, call) => sum + call.written, 0);
  let cpuMs = 0;
  let wallMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    (globalThis as { gc?: () => void }).gc?.();
    const before = written();
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const call of calls) {
      call.emit('data', { kind: { $case: 'targetSetAck', value: { revision: String(round + 1), checksum: 'x' } } } satisfies AgentMessage);
      const report = StatusReport.fromPartial({
        seq: String(seqBase + BigInt(round)),
        bundle: 'web',
        commit: 'abc',
        observedAt: new Date().toISOString(),
      });
      call.emit('data', { kind: { $case: 'statusReport', value: report } } satisfies AgentMessage);
    }
    while (written() - before < SESSIONS) await new Promise((resolve) => setTimeout(resolve, 1));
    const used = process.cpuUsage(cpu);
    if (round < WARM_UP) continue;
    cpuMs += (used.user + used.system) / 1000;
    wallMs += performance.now() - start;
  }
  const counted = ROUNDS - WARM_UP;
  console.log(`session path: ${SESSIONS} sessions, a TargetSetAck and a StatusReport each, ${counted} rounds counted`);
  console.log(`  CPU per round (ms)          ${(cpuMs / counted).toFixed(0).padStart(6)}   (load ${loadavg()[0].toFixed(1)})`);
  console.log(`  wall time per round (ms)    ${(wallMs / counted).toFixed(0).padStart(6)}`);
  console.log(`  CPU per session and round (µs) ${((cpuMs * 1000) / counted / SESSIONS).toFixed(1).padStart(4)}`);
}

void main();
