/**
 * The fake-agent load generator: N agents spread over P processes (fake-agent-process.ts), each
 * with a connection of its own, against a running hub. Reproducible (names and order fixed),
 * bounded (every wait has a time limit).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cpuProfileDir, profileArgs } from '../child-process';
import { agentClientKind, type AgentClientKind } from './agent-clients';
import { meets, type AgentCondition, type AgentTimes } from './agent-times';
import type { FakeAgentOptions, FakeAgentSpec } from './fake-agent';

export type { AgentCondition, AgentTimes } from './agent-times';
export type { FakeAgentSpec } from './fake-agent';

export interface FakeFleetTimes {
  agents: AgentTimes[];
  /** CPU the generator's processes used (ms), and their RSS (bytes). */
  cpuMs: number;
  rss: number;
}

export class FakeFleet {
  private constructor(private readonly workers: ChildProcess[]) {}

  /** Starts the agents (registering or connecting), resolves once every process has started all of its own. */
  /** BENCH_AGENT_CLIENT=h2|grpc-js (agent-clients.ts) chooses what the agents speak with, unless `client` does. */
  /** BENCH_STATUS_ACKS=single: the agents do not take several acks in one StatusAck, as agents that predate it. */
  static async start(
    specs: FakeAgentSpec[],
    options: Omit<FakeAgentOptions, 'client' | 'batchedAcks'> & { processes: number; client?: AgentClientKind },
  ): Promise<FakeFleet> {
    // BENCH_CPU_PROFILE=<dir>: each generator process writes a CPU profile there as it exits.
    const workers = Array.from({ length: Math.max(1, Math.min(options.processes, specs.length)) }, (_, i) =>
      fork(join(__dirname, 'fake-agent-process.js'), [], { execArgv: ['--max-old-space-size=2048', ...profileArgs(`fake-agents-${i}`)] }),
    );
    const fleet = new FakeFleet(workers);
    const { processes: _processes, client, ...rest } = options;
    const agentOptions: FakeAgentOptions = {
      ...rest,
      client: client ?? agentClientKind(process.env.BENCH_AGENT_CLIENT),
      batchedAcks: process.env.BENCH_STATUS_ACKS !== 'single',
    };
    await Promise.all(
      workers.map((worker, index) => {
        const mine = specs.filter((_, i) => i % workers.length === index);
        const started = reply(worker, 'started', 30 * 60_000);
        worker.send({ type: 'start', agents: mine, options: agentOptions });
        return started;
      }),
    );
    return fleet;
  }

  async times(): Promise<FakeFleetTimes> {
    const answers = await Promise.all(
      this.workers.map((worker) => {
        const answer = reply<{ times: AgentTimes[]; cpuMs: number; rss: number }>(worker, 'times', 60_000);
        worker.send({ type: 'times' });
        return answer;
      }),
    );
    return {
      agents: answers.flatMap((a) => a.times),
      cpuMs: answers.reduce((sum, a) => sum + a.cpuMs, 0),
      rss: answers.reduce((sum, a) => sum + a.rss, 0),
    };
  }

  /**
   * Waits until every agent meets `condition` (or throws after `timeoutMs`, saying what was
   * awaited and why the agents not there last failed), then returns every agent's times. Each
   * process checks its own agents every `everyMs`; the times cross over once, at the end.
   */
  async until(condition: AgentCondition, timeoutMs: number, what: string, everyMs = 100): Promise<AgentTimes[]> {
    await this.reach(condition, timeoutMs, what, everyMs);
    return (await this.times()).agents;
  }

  /**
   * As `until`, without bringing the times over: a wait in the middle of a measurement (every
   * TargetSet received, the reports still coming) then costs the processes no serialising of
   * 10,000 agents' times while the hub under test needs the CPU.
   */
  async reach(condition: AgentCondition, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
    const missing = await Promise.all(
      this.workers.map((worker) => {
        const answer = reply<{ missing: number }>(worker, 'awaited', timeoutMs + 60_000);
        worker.send({ type: 'await', condition, everyMs, timeoutMs });
        return answer;
      }),
    );
    if (missing.every((m) => m.missing === 0)) return;
    const stragglers = (await this.times()).agents.filter((agent) => !meets(agent, condition));
    const errors = new Map<string, number>();
    for (const a of stragglers) errors.set(a.lastError ?? '(none)', (errors.get(a.lastError ?? '(none)') ?? 0) + 1);
    throw new Error(
      `timed out after ${timeoutMs / 1000} s waiting for ${what}; ${stragglers.length} agents not there, by their last error: ${JSON.stringify(Object.fromEntries(errors))}`,
    );
  }

  /** Every agent drops its connection and reconnects at once (a restart of the whole fleet). */
  async restart(): Promise<void> {
    await Promise.all(
      this.workers.map((worker) => {
        const answer = reply(worker, 'restarted', 60_000);
        worker.send({ type: 'restart' });
        return answer;
      }),
    );
  }

  /** Every agent reports its unchanged status again (a resync of the whole fleet), spread over `overMs`. */
  async resync(overMs: number): Promise<void> {
    await Promise.all(
      this.workers.map((worker) => {
        const answer = reply(worker, 'resynced', 60_000);
        worker.send({ type: 'resync', overMs });
        return answer;
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.exitCode !== null) return;
        const stopped = reply(worker, 'stopped', 10_000).catch(() => undefined);
        worker.send({ type: 'stop' });
        await stopped;
        // It exits by itself; a CPU profile of 2,500 agents' process takes seconds to write.
        setTimeout(() => worker.kill(), cpuProfileDir() === undefined ? 1_000 : 60_000).unref();
      }),
    );
  }
}

function reply<T = unknown>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from a fake-agent process within ${timeoutMs / 1000} s`)), timeoutMs);
    const listener = (message: { type: string; message?: string } & T): void => {
      if (message.type === 'error') {
        clearTimeout(timer);
        child.off('message', listener);
        reject(new Error(String(message.message)));
        return;
      }
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}
