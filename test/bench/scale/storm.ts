/** The restart storm phase: every agent restarts at once. */
import type { FakeFleet } from '../fake-agents/fake-fleet';
import { max, printErrors, sum, synced } from './agent-stats';
import type { Run } from './run-setup';
import { cpuNow, note, noteCpu, noteHubCpuPerAgent, noteSyscalls, noteValue } from './run-figures';
import { LIMIT } from './settings';

/** The restart storm: every agent restarts at once, reconnects with the TargetSet it holds and reports again. */
export async function storm(run: Run, fleet: FakeFleet): Promise<void> {
  const before = (await fleet.times()).agents;
  const failuresBefore = sum(before.map((a) => a.streamFailures));
  const busyBefore = sum(before.map((a) => a.busyRefusals));
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtStorm = await cpuNow(run);
  const from = Date.now();
  await fleet.restart();
  const agents = await fleet.until(synced(run.head), LIMIT, 'every restarted agent to have its report acked', 200);
  note(run, 'all agents restarted → all in sync again (s)', (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000);
  printErrors(agents);
  noteValue(run, '  failed stream attempts in the storm', String(sum(agents.map((a) => a.streamFailures)) - failuresBefore));
  noteValue(run, '  of which refused busy (retry hint)', String(sum(agents.map((a) => a.busyRefusals)) - busyBefore));
  await noteHubCpuPerAgent(run, '  hub CPU per reconnect (ms)', cpuAtStorm);
  noteSyscalls(run, '  hub reads / writes per reconnect', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s in the storm: hub / generators / postgres / bench / rest', cpuAtStorm);
  await run.phases.end('restart storm', from);
}
