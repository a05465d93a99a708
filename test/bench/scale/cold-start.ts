/** The cold start of the whole fleet, and the hubs' RSS once it is connected and quiet. */
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeFleet, type AgentTimes, type FakeAgentSpec } from '../fake-agents/fake-fleet';
import { max, printErrors, spread, sum, synced } from './agent-stats';
import type { Run } from './run-setup';
import { cpuNow, note, noteCpu, noteHubCpuPerAgent, noteSyscalls, noteValue } from './run-figures';
import { LIMIT, PROCESSES, REGISTER_CONCURRENCY } from './settings';

/** Cold start: every agent registers, connects, gets its TargetSet and has its report acked. */
export async function coldStart(run: Run): Promise<FakeFleet> {
  const { size, hubs } = run;
  const specs: FakeAgentSpec[] = Array.from({ length: size }, (_, i) => ({
    name: `fake-${String(i).padStart(5, '0')}`,
    hubAddress: hubs[i % hubs.length].grpcAddress,
    bootstrapToken: run.token,
    labels: { group: `g${i % 10}`, index: String(i) },
  }));
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtColdStart = await cpuNow(run);
  const from = Date.now();
  const fleet = await FakeFleet.start(specs, {
    hubAddress: run.hub.grpcAddress,
    heartbeatMs: 10_000,
    fetchArtifacts: false,
    registerConcurrency: REGISTER_CONCURRENCY,
    processes: PROCESSES,
  });
  run.fleet = fleet;
  const agents = await fleet.until(synced(run.head), LIMIT, `${size} agents to register and have their first report acked`, 500);
  const registered = agents.map((a) => a.registeredAt!);
  note(run, 'register + connect + first report acked, all (s)', (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000);
  noteValue(run, '  registrations/s', ((size * 1000) / (max(registered) - Math.min(...registered) || 1)).toFixed(0));
  noteAckSpread(run, agents, from);
  noteValue(run, '  failed stream attempts at cold start', String(sum(agents.map((a) => a.streamFailures))));
  noteValue(run, '  failed registration attempts (retried)', String(sum(agents.map((a) => a.registerFailures))));
  await noteHubCpuPerAgent(run, '  hub CPU per agent, cold start (ms)', cpuAtColdStart);
  noteSyscalls(run, '  hub reads / writes per agent, cold start', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s at cold start: hub / generators / postgres / bench / rest', cpuAtColdStart);
  printErrors(agents);
  await run.phases.end('cold start', from);
  return fleet;
}

/** Whether the cold start is slow throughout or waits on a tail (agents backing off). */
function noteAckSpread(run: Run, agents: AgentTimes[], from: number): void {
  noteValue(
    run,
    '  half / 90 % / 99 % of the agents acked by (s)',
    spread(
      agents.map((a) => a.reportsAckedAt! - from),
      1,
    ),
  );
}

/** The hubs' RSS with the whole fleet connected and quiet, a few seconds after the cold start. */
export async function steadyRss(run: Run): Promise<void> {
  await sleep(5_000);
  noteValue(run, 'steady RSS (MB)', ((await run.hubsTogether.rss()) / 1024 / 1024).toFixed(0));
}
