/**
 * What the phases make of the fake agents' times: the condition they wait for, maxima, sums and
 * spreads, and how the agents' streams last failed.
 */
import type { AgentCondition, AgentTimes } from '../fake-agents/fake-fleet';

/** How the agents' streams last ended, when some did (RESOURCE_EXHAUSTED is admission control). */
export function printErrors(agents: AgentTimes[]): void {
  const errors = new Map<string, number>();
  for (const a of agents) if (a.streamFailures > 0) errors.set(a.lastError ?? '?', (errors.get(a.lastError ?? '?') ?? 0) + 1);
  for (const [error, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 5))
    console.log(`    ${n} agents last failed with ${error.slice(0, 120)}`);
}

export function synced(commit: string): AgentCondition {
  return { commit, acked: true };
}

/** `half / 90 % / 99 %` of durations in ms, in seconds. */
export function spread(ms: number[], digits = 2): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000).toFixed(digits);
  return `${at(0.5)} / ${at(0.9)} / ${at(0.99)}`;
}

export function max(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * The agents of each hub replica, in replica order: cold-start.ts gives agent `fake-<i>` the
 * replica `i % replicas`.
 */
export function byReplica(agents: AgentTimes[], replicas: number): AgentTimes[][] {
  const groups: AgentTimes[][] = Array.from({ length: replicas }, () => []);
  for (const agent of agents) groups[Number(agent.name.slice('fake-'.length)) % replicas].push(agent);
  return groups;
}
