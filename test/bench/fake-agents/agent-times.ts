/**
 * What the fake agents record (fake-agent.ts) and what the parent (fake-fleet.ts) waits for on
 * them: plain data that crosses the IPC between the fleet and its processes, and the one check
 * on it, shared by both sides.
 */

/** What one agent saw, as epoch milliseconds. */
export interface AgentTimes {
  name: string;
  registeredAt?: number;
  connectedAt?: number;
  /** Latest TargetSet: its revision, when it came, when its artifacts were in, when all its reports were acked. */
  revision?: string;
  commits?: string[];
  targetSetAt?: number;
  /** Whether the latest TargetSet came as a delta on the one held before (TARGET_SET_DELTAS_CAPABILITY). */
  lastWasDelta?: boolean;
  /** Deltas that did not apply to the TargetSet held (each ends the stream, as the agent does). */
  deltaRefusals: number;
  artifactsAt?: number;
  reportsAckedAt?: number;
  artifactBytes: number;
  streamFailures: number;
  /** Connects refused with RESOURCE_EXHAUSTED (a retry hint) by a busy hub; counted in streamFailures too. */
  busyRefusals: number;
  /** Register calls that failed and were tried again after a back-off. */
  registerFailures: number;
  lastError?: string;
}

/** What the parent waits for: every agent of a process holding a TargetSet at `commit` and, with `acked`, its reports acked. */
export interface AgentCondition {
  commit: string;
  acked: boolean;
}

/** Whether an agent meets a condition. */
export function meets(times: AgentTimes, { commit, acked }: AgentCondition): boolean {
  return times.commits?.includes(commit) === true && (!acked || times.reportsAckedAt !== undefined);
}
