/**
 * One fake agent (fake-agent-process.ts runs thousands of them): its session with the hub as a
 * real agent's — Register (or a given credential), Connect with Hello, TargetSetAck (deltas
 * applied on the TargetSet held), FetchArtifact, one StatusReport per target, acks awaited,
 * heartbeats, reconnects — applying nothing and recording when it saw what (agent-times.ts).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import type { AgentMessage, HubMessage, StatusReport, Target, TargetSet } from '#proto';
import {
  heartbeatDue,
  hintedDelay,
  STATUS_ACKS_CAPABILITY,
  TARGET_SET_DELTAS_CAPABILITY,
  TargetSetDeltaError,
  wholeTargetSet,
} from '#core';
import { newAgentClient, type AgentClient, type AgentClientKind, type CallEnd, type ConnectCall } from './agent-clients';
import type { AgentTimes } from './agent-times';
import { contentKey, sameTargetKey, syncedReport } from './status-reports';

export interface FakeAgentSpec {
  name: string;
  /** Registers with this token, or connects with `credential` (clusters seeded in the database). */
  bootstrapToken?: string;
  clusterId?: string;
  credential?: string;
  labels?: Record<string, string>;
  /** The hub this agent talks to, when not the fleet's (several replicas). */
  hubAddress?: string;
}

export interface FakeAgentOptions {
  hubAddress: string;
  heartbeatMs: number;
  /** Fetch every target's artifact before reporting. */
  fetchArtifacts: boolean;
  /** Registrations in flight at once, per process. */
  registerConcurrency: number;
  /** What the agents speak gitfleet.v1 with (agent-clients.ts). */
  client: AgentClientKind;
  /** Announce STATUS_ACKS_CAPABILITY, as the real agent does: the hub acks a batch's reports with one StatusAck. */
  batchedAcks: boolean;
}

export class FakeAgent {
  readonly times: AgentTimes;
  private client: AgentClient;
  /** The TargetSet this agent holds (a restarted agent says so in Hello and reports on it again). */
  private held: TargetSet | undefined;
  private call: ConnectCall | undefined;
  private credential: string | undefined;
  private clusterId: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastWrittenAt = 0;
  private pendingAcks = new Map<string, string>();
  /** The reports awaiting their ack, by seq. */
  private readonly unacked = new Map<string, StatusReport>();
  /** What each bundle's last sync applied (contentKey): a target that still has it is restamped, not synced. */
  private readonly applied = new Map<string, string>();
  private seq = Date.now() * 1000 + Math.floor(Math.random() * 1000) * 1_000_000;
  /**
   * Whether this agent checks a delta's result against its checksum, as every real agent does:
   * about one in a hundred. Hashing every cluster's whole TargetSet would take the generators'
   * CPU from the hub measured beside them; a wrong delta still shows in the sample.
   */
  private readonly checksDeltas: boolean;

  constructor(
    private readonly spec: FakeAgentSpec,
    private readonly options: FakeAgentOptions,
  ) {
    this.times = { name: spec.name, artifactBytes: 0, streamFailures: 0, busyRefusals: 0, registerFailures: 0, deltaRefusals: 0 };
    this.checksDeltas = createHash('sha256').update(spec.name).digest()[0] < 3;
    this.client = this.newClient();
    this.credential = spec.credential;
    this.clusterId = spec.clusterId;
  }

  async start(): Promise<void> {
    if (this.credential === undefined) await this.register();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.call?.cancel();
    this.client.close();
  }

  /** Reports on the TargetSet it holds again, unchanged (a resync); its acks are awaited anew. */
  resync(): void {
    if (this.stopped || this.held === undefined) return;
    this.times.reportsAckedAt = undefined;
    this.report(this.held);
  }

  /** Drops the connection and reconnects on a new one; times of the restart replace the old ones. */
  restart(): void {
    if (this.stopped || this.credential === undefined) return;
    clearInterval(this.heartbeat);
    this.call?.cancel();
    this.client.close();
    this.client = this.newClient();
    this.times.reportsAckedAt = undefined;
    this.times.connectedAt = undefined;
    this.connect();
    if (this.held !== undefined) this.report(this.held);
  }

  private async register(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const answer = await this.client.register({
          bootstrapToken: this.spec.bootstrapToken ?? '',
          clusterUid: createHash('sha256').update(this.spec.name).digest('hex').slice(0, 32),
          name: this.spec.name,
          labels: this.spec.labels ?? {},
          agentVersion: 'fake',
          csr: '',
        });
        this.credential = answer.credential;
        this.clusterId = answer.clusterId;
        this.times.registeredAt = Date.now();
        return;
      } catch (error) {
        this.times.registerFailures++;
        this.times.lastError = String(error);
        await sleep(Math.min(30_000, 500 * 2 ** attempt) * Math.random());
      }
    }
  }

  private connect(): void {
    if (this.stopped) return;
    // Reports not acked on the previous stream are sent again on this one (as a real agent's outbox does).
    const unacked = [...this.unacked.values()];
    let received = false;
    const call: ConnectCall = this.client.connect(
      this.credential!,
      (message) => {
        received = true;
        void this.onMessage(message);
      },
      (status: CallEnd) => {
        // A restart replaced this call: the new one is already connecting.
        if (this.call !== call) return;
        clearInterval(this.heartbeat);
        if (this.stopped) return;
        this.times.streamFailures++;
        this.times.lastError = `${grpc.status[status.code]}: ${status.details}`;
        // As the real agent (agent/src/link): a busy hub's retry hint, with jitter.
        const hint = status.code === grpc.status.RESOURCE_EXHAUSTED ? status.retryAfter : undefined;
        if (hint !== undefined) this.times.busyRefusals++;
        // No connection at all: as the real agent (HubChannel.redial), the next attempt gets a new
        // channel, so that grpc-js's own reconnect backoff (up to 120 s) does not override ours.
        if (status.code === grpc.status.UNAVAILABLE && !received) {
          this.client.close();
          this.client = this.newClient();
        }
        setTimeout(() => this.connect(), hintedDelay(hint, 500 + Math.random() * 2000));
      },
    );
    this.call = call;
    this.write({
      kind: {
        $case: 'hello',
        value: {
          clusterId: this.clusterId!,
          agentVersion: 'fake',
          capabilities: ['artifacts/v1', TARGET_SET_DELTAS_CAPABILITY, ...(this.options.batchedAcks ? [STATUS_ACKS_CAPABILITY] : [])],
          targetSetChecksum: this.held?.checksum ?? '',
          lastAckedSeq: '',
        },
      },
    });
    for (const report of unacked) this.write({ kind: { $case: 'statusReport', value: report } });
    // As the real agent (agent/src/link/fleet-link.ts).
    this.heartbeat = setInterval(() => {
      if (heartbeatDue(this.lastWrittenAt, this.options.heartbeatMs))
        this.write({ kind: { $case: 'heartbeat', value: { sentAt: new Date().toISOString() } } });
    }, this.options.heartbeatMs);
  }

  private write(message: AgentMessage): void {
    if (!this.call?.open) return;
    this.lastWrittenAt = Date.now();
    this.call.write(message);
  }

  private async onMessage(message: HubMessage): Promise<void> {
    const kind = message.kind;
    this.times.connectedAt ??= Date.now();
    if (kind?.$case === 'targetSet') await this.onTargetSet(kind.value);
    else if (kind?.$case === 'statusAck') {
      for (const seq of [kind.value.seq, ...kind.value.moreSeqs]) {
        this.unacked.delete(seq);
        if (this.pendingAcks.delete(seq) && this.pendingAcks.size === 0) this.times.reportsAckedAt = Date.now();
      }
    }
  }

  private async onTargetSet(received: TargetSet): Promise<void> {
    let targetSet: TargetSet;
    try {
      targetSet = wholeTargetSet(this.held, received, { checksum: this.checksDeltas });
    } catch (error) {
      if (!(error instanceof TargetSetDeltaError)) throw error;
      // As the agent (agent/src/link/hub-messages.ts): nothing taken, a new stream, whose Hello gets the whole TargetSet.
      this.times.deltaRefusals++;
      this.times.lastError = error.message;
      this.call?.cancel();
      return;
    }
    const before = new Map((this.held?.targets ?? []).map((t) => [t.bundle, sameTargetKey(t)]));
    this.held = targetSet;
    this.times.lastWasDelta = received.baseChecksum !== '';
    this.times.revision = targetSet.revision;
    this.times.commits = [...new Set(targetSet.targets.map((t) => t.source?.commit ?? ''))];
    this.times.targetSetAt = Date.now();
    this.times.artifactsAt = undefined;
    this.times.reportsAckedAt = undefined;
    this.write({ kind: { $case: 'targetSetAck', value: { revision: targetSet.revision, checksum: targetSet.checksum } } });
    if (this.options.fetchArtifacts) {
      for (const digest of new Set(targetSet.targets.flatMap((t) => (t.artifact ? [t.artifact.digest] : [])))) await this.fetch(digest);
    }
    this.times.artifactsAt = Date.now();
    // As the agent (agent/src/engine/bundle-status.ts restamp): a target exactly as in the
    // TargetSet before is not reported again.
    this.report(targetSet, { restamp: true, skip: (t) => before.get(t.bundle) === sameTargetKey(t) });
  }

  /**
   * One StatusReport per target of the TargetSet (but those `skip` names), as after a sync. With
   * `restamp`, as the agent does on a new TargetSet (agent/src/engine/target-worker.ts): a target
   * whose content its last sync applied already is not synced again, and its report says so by
   * carrying no sync start (no deployment is recorded for it). A restart or a resync syncs every
   * target.
   */
  private report(targetSet: TargetSet, { restamp = false, skip = (_: Target): boolean => false } = {}): void {
    this.pendingAcks.clear();
    this.unacked.clear();
    let reported = 0;
    for (const target of targetSet.targets) {
      if (skip(target)) continue;
      reported++;
      const seq = String(++this.seq);
      this.pendingAcks.set(seq, target.bundle);
      const now = new Date();
      const key = contentKey(target);
      const unchanged = restamp && this.applied.get(target.bundle) === key;
      this.applied.set(target.bundle, key);
      const report = syncedReport(seq, target, targetSet.revision, now, unchanged);
      this.unacked.set(seq, report);
      this.write({ kind: { $case: 'statusReport', value: report } });
    }
    if (reported === 0) this.times.reportsAckedAt = Date.now();
  }

  /** A connection of its own, as every real agent has. */
  private newClient(): AgentClient {
    return newAgentClient(this.options.client, this.spec.hubAddress ?? this.options.hubAddress);
  }

  private async fetch(digest: string): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.client.fetchArtifact(digest, this.credential!, (chunk) => (this.times.artifactBytes += chunk.data.length));
        return;
      } catch (error) {
        this.times.lastError = String(error);
        await sleep(Math.min(10_000, 200 * 2 ** attempt) * Math.random());
      }
    }
  }
}
