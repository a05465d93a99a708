/**
 * One process of the fake-agent load generator (fake-fleet.ts): many agents that speak
 * gitfleet.v1 as a real agent does — Register (or a given credential), Connect with Hello,
 * TargetSetAck, FetchArtifact of each target's artifact, one StatusReport per target, acks
 * awaited, heartbeats — but apply nothing. Each agent has a connection of its own, as real
 * agents do. Driven by its parent over IPC; it records when each agent saw what.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { meets, type AgentCondition } from './agent-times';
import { FakeAgent, type FakeAgentOptions, type FakeAgentSpec } from './fake-agent';

type Command =
  | { type: 'start'; agents: FakeAgentSpec[]; options: FakeAgentOptions }
  | { type: 'times' }
  | { type: 'await'; condition: AgentCondition; everyMs: number; timeoutMs: number }
  | { type: 'restart' }
  | { type: 'resync'; overMs: number }
  | { type: 'stop' };

const agents: FakeAgent[] = [];

process.on('message', (command: Command) => {
  void handle(command).catch((error: unknown) => process.send?.({ type: 'error', message: String(error) }));
});

async function handle(command: Command): Promise<void> {
  if (command.type === 'start') {
    let next = 0;
    const specs = command.agents;
    await Promise.all(
      Array.from({ length: Math.min(command.options.registerConcurrency, specs.length) }, async () => {
        while (next < specs.length) {
          const agent = new FakeAgent(specs[next++], command.options);
          agents.push(agent);
          await agent.start();
        }
      }),
    );
    process.send?.({ type: 'started' });
  } else if (command.type === 'restart') {
    // Every agent drops its connection and comes back as a restarted agent does: a new
    // connection, Hello with the TargetSet it holds, and a report per target once re-synced.
    for (const agent of agents) agent.restart();
    process.send?.({ type: 'restarted' });
  } else if (command.type === 'resync') {
    // Every agent says again what it last said, as a real agent does on its periodic resync
    // when nothing changed: the same commit, phase, health and TargetSet revision, a new seq.
    // Spread evenly over `overMs`, as resyncs of a fleet fall (0: all at once). Every agent's
    // acks are awaited from now on, so that a wait ends only after the last one's report.
    for (const agent of agents) agent.times.reportsAckedAt = undefined;
    agents.forEach((agent, i) => {
      if (command.overMs === 0) agent.resync();
      else setTimeout(() => agent.resync(), (i / agents.length) * command.overMs);
    });
    process.send?.({ type: 'resynced' });
  } else if (command.type === 'await') {
    // Checked here, where the agents are, so the parent's wait costs no serialising of every
    // agent's times per check: at 10,000 agents that polling was a share of the machine's CPU
    // while the hub under test needed it.
    // Each check goes on from the first agent the last one stopped at, so that a wait costs a
    // pass over the agents, not one per check (at 20 ms, 2,500 agents a process); all are
    // checked again before it answers.
    const { condition, everyMs, timeoutMs } = command;
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    while (Date.now() < deadline) {
      while (checked < agents.length && meets(agents[checked].times, condition)) checked++;
      if (checked === agents.length) {
        if (agents.every((a) => meets(a.times, condition))) break;
        checked = 0;
      }
      await sleep(everyMs);
    }
    process.send?.({ type: 'awaited', missing: agents.filter((a) => !meets(a.times, condition)).length });
  } else if (command.type === 'times') {
    const usage = process.cpuUsage();
    process.send?.({
      type: 'times',
      times: agents.map((a) => a.times),
      cpuMs: (usage.user + usage.system) / 1000,
      rss: process.memoryUsage().rss,
    });
  } else {
    for (const agent of agents) agent.stop();
    process.send?.({ type: 'stopped' });
    setTimeout(() => process.exit(0), 100);
  }
}
