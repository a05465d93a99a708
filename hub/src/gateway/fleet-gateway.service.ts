import { Metadata, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Command, FleetServer, RegisterRequest, RegisterResponse } from '#proto';
import { RETRY_AFTER_METADATA } from '#core';
import { ClusterPresenceService } from '../clusters/cluster-presence.service';
import { connectivityOf } from '../clusters/connectivity';
import { REVOKED_DETAILS, ROTATED_DETAILS, ClustersService } from '../clusters/clusters.service';
import { UNKNOWN_CLUSTER_DETAILS } from '../clusters/credential';
import { unauthenticated } from './credential-refusal';
import {
  CERTIFICATE_EXPIRED_DETAILS,
  CERTIFICATE_REVOKED_DETAILS,
  ClientCertificatesService,
} from '../clusters/client-certificates.service';
import { RegistrationError } from '../clusters/registration';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { PlacementService } from '../placement/placement.service';
import { TargetSetStore } from '../placement/target-set-store';
import { StatusService } from '../status/status.service';
import { AgentSession, type AgentCall, type SessionContext } from './agent-session';
import { SessionRegistry } from './session-registry';
import { SessionSignals, type SessionSignal } from './session-signals';
import { ArtifactServer } from './artifact-server';
import { ArtifactStore } from '../artifacts/artifact-store';
import { AuditService } from '../audit/audit.service';
import { AgentAuthenticator } from './agent-authenticator';
import { REGISTRATION_STATUS, renewCertificate } from './certificate-renewal';

/** A cluster to send a Command to, as the admin API knows it. */
export interface CommandTarget {
  id: string;
  name: string;
  connected: boolean;
  lastSeenAt: Date | null;
}

/** The hint given when too many connections are being set up: about how long a handshake batch takes. */
const BUSY_RETRY_AFTER_MS = 1_000;
/**
 * A handshake holds its place at most this long: an agent slow to say Hello (or that never
 * does) gives it back. Short, because the bound is for the hub's own work: at 10,000 agents a
 * 10 s hold let slow clients keep every place while the hub sat idle (bench/scale.ts).
 */
const HANDSHAKE_TIMEOUT_MS = 2_000;

/**
 * A sweep that finds sessions behind the database leaves their TargetSets this long to be
 * announced (after this replica's placement passes in flight) before it reads and sends them
 * itself: another replica signals what it placed once all its chunks are written.
 */
const ANNOUNCEMENT_GRACE_MS = 1_000;
/** The longest a sweep waits for this replica's placement passes in flight. */
const PLACEMENT_WAIT_MS = 10_000;

/**
 * The Fleet service's handlers: registration, and one session per authenticated Connect.
 *
 * With several hub replicas an agent's session is on one of them, while the change that
 * concerns it (a new TargetSet, a revoked credential, a sync-now) may happen on another. The
 * replica where it happens acts on its own sessions and signals the others (SessionSignals,
 * PostgreSQL NOTIFY); and every heartbeat interval each replica sweeps its sessions against
 * the database (credential still valid? a newer TargetSet revision?), so a lost signal costs
 * at most one interval.
 */
@Injectable()
export class FleetGateway implements OnModuleInit, OnModuleDestroy {
  readonly sessions: SessionRegistry;
  private readonly log: Logger;
  private readonly context: SessionContext;
  private readonly artifacts: ArtifactServer;
  private readonly authenticator: AgentAuthenticator;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping = false;
  /** Aborted when the module stops: a sweep waiting out its grace stops waiting. */
  private readonly stopped = new AbortController();
  /** Connections being set up (authentication, then Hello until answered): admission control. */
  private handshakes = 0;
  /** TargetSet changes announced to this replica (SessionContext.targetSetEpoch). */
  private targetSetEpoch = 0;
  private readonly handshakeOf = new WeakMap<AgentSession, () => void>();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly clusters: ClustersService,
    private readonly presence: ClusterPresenceService,
    private readonly placement: PlacementService,
    private readonly targetSets: TargetSetStore,
    private readonly status: StatusService,
    @Inject(LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
    private readonly signals: SessionSignals,
    @InjectDataSource() private readonly db: DataSource,
    artifacts: ArtifactStore,
    audit: AuditService,
    private readonly certificates: ClientCertificatesService,
  ) {
    this.log = logger.child({ module: 'gateway' });
    this.authenticator = new AgentAuthenticator(config.agentAuth, clusters, certificates);
    this.sessions = new SessionRegistry(config.heartbeatIntervalMs);
    this.context = {
      currentTargetSet: (id) => this.targetSets.current(id),
      targetSetEpoch: () => this.targetSetEpoch,
      recordAck: (id, revision, checksum) => this.targetSets.recordAck(id, revision, checksum),
      storeReport: (id, report, settle) => this.status.storeWith(id, report, settle),
      heard: (id) => this.presence.touch(id),
      greeted: (session) => this.handshakeOf.get(session)?.(),
      closed: (session) => this.onSessionClosed(session),
      log: this.log,
    };
    this.artifacts = new ArtifactServer({
      authenticate: (call) => this.authenticator.authenticate(call),
      currentTargetSet: (id) => this.targetSets.current(id),
      read: (digest) => artifacts.read(digest),
      audit: (entry) => audit.record(entry),
      log: this.log,
    });
  }

  onModuleInit(): void {
    this.placement.changed.add(async (changes) => {
      this.targetSetEpoch++;
      for (const change of changes) this.sessions.get(change.clusterId)?.push(change);
      await this.signals.publish({ kind: 'targetSets', clusterIds: changes.map((c) => c.clusterId) });
    });
    // Re-registration, revocation and rotation end the credential: a session opened with it must not outlive it.
    this.clusters.credentialInvalidated.add(async ({ clusterId, reason }) => {
      this.sessions.get(clusterId)?.end(GrpcStatus.UNAUTHENTICATED, reason);
      await this.signals.publish({ kind: 'credential', clusterId, reason });
    });
    this.signals.received.add((signal) => this.onSignal(signal));
    this.sessions.startHeartbeats();
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.heartbeatIntervalMs);
    this.sweepTimer.unref();
    this.metrics.countAgentsWith(() => this.sessions.size);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    clearInterval(this.sweepTimer);
    await this.sweeping;
  }

  /**
   * Sync now: the Command goes over the cluster's session here, or, for a cluster connected
   * to another replica, to that replica by signal. Reached: sent here or to the replica
   * holding the session; not connected: no replica holds one.
   */
  async syncNow(
    clusters: readonly CommandTarget[],
    commandId: string,
    bundle: string,
  ): Promise<{ reached: string[]; notConnected: string[] }> {
    const command: Command = { id: commandId, action: { $case: 'syncNow', value: { bundle } } };
    const reached: string[] = [];
    const notConnected: string[] = [];
    const elsewhere: string[] = [];
    for (const cluster of clusters) {
      if (this.sessions.get(cluster.id)?.command(command)) reached.push(cluster.name);
      else if (connectivityOf(cluster, this.config.heartbeatIntervalMs) === 'connected') {
        reached.push(cluster.name);
        elsewhere.push(cluster.id);
      } else notConnected.push(cluster.name);
    }
    if (elsewhere.length > 0) await this.signals.publish({ kind: 'syncNow', clusterIds: elsewhere, commandId, bundle });
    return { reached, notConnected };
  }

  /** Checks every session of this replica against the database now (the periodic sweep); resolves when done. */
  sweep(): Promise<void> {
    return (this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined)));
  }

  private onSignal(signal: SessionSignal): void {
    switch (signal.kind) {
      case 'targetSets':
        this.targetSetEpoch++;
        for (const id of signal.clusterIds)
          void this.sessions
            .get(id)
            ?.refresh()
            .catch((error: unknown) => this.log.warn({ err: error }, 'sending a TargetSet placed elsewhere failed'));
        return;
      case 'credential':
        // Checked against the database rather than ended outright: by the time a signal
        // arrives, the agent may already hold a new credential and a new session here.
        if (this.sessions.get(signal.clusterId) !== undefined) void this.check([signal.clusterId]);
        return;
      case 'syncNow':
        for (const id of signal.clusterIds)
          this.sessions.get(id)?.command({ id: signal.commandId, action: { $case: 'syncNow', value: { bundle: signal.bundle } } });
        return;
      case 'rolloutFacts':
        return; // the rollout service's
      case 'missed':
        // The signals lost may have announced TargetSets.
        this.targetSetEpoch++;
        void this.sweep();
        return;
    }
  }

  private sweepOnce(): Promise<void> {
    return this.check(this.sessions.clusterIds());
  }

  /** Ends the sessions of these clusters whose credential is no longer valid; sends newer TargetSets. */
  private async check(clusterIds: readonly string[]): Promise<void> {
    // The sessions as they are now: one that replaces them meanwhile (a re-registration's new
    // credential) is newer than the rows read below and is left alone.
    const sessions = new Map(
      clusterIds.flatMap((id) => {
        const session = this.sessions.get(id);
        return session === undefined ? [] : [[id, session] as const];
      }),
    );
    const ids = [...sessions.keys()];
    if (ids.length === 0 || this.stopping) return;
    let rows: { id: string; state: string; credential_hash: string; revision: string | null }[];
    try {
      rows = await this.db.query(
        `SELECT c.id::text AS id, c.state, c.credential_hash, t.revision::text AS revision
         FROM cluster c LEFT JOIN target_set t ON t.cluster_id = c.id WHERE c.id = ANY($1::uuid[])`,
        [ids],
      );
    } catch (error) {
      this.log.warn({ err: error }, 'checking sessions against the database failed; next interval');
      return;
    }
    const found = new Map(rows.map((row) => [row.id, row]));
    let revokedSerials: Set<string>;
    try {
      revokedSerials = await this.certificates.revokedAmong(
        [...sessions.values()].flatMap((s) => (s.cluster.certificateSerial === undefined ? [] : [s.cluster.certificateSerial])),
      );
    } catch (error) {
      this.log.warn({ err: error }, 'checking sessions against the revocation list failed; next interval');
      return;
    }
    // Sessions behind the database are refreshed together: their reads share batches (after a
    // lost signal that is every session of a commit, not one 5 ms batch wait after another).
    const behind: { session: AgentSession; revision: bigint }[] = [];
    for (const [id, session] of sessions) {
      if (this.sessions.get(id) !== session || !session.isOpen) continue;
      const row = found.get(id);
      const serial = session.cluster.certificateSerial;
      if (row === undefined) session.end(GrpcStatus.UNAUTHENTICATED, UNKNOWN_CLUSTER_DETAILS);
      else if (row.state === 'revoked') session.end(GrpcStatus.UNAUTHENTICATED, REVOKED_DETAILS);
      else if (serial !== undefined && revokedSerials.has(serial)) session.end(GrpcStatus.UNAUTHENTICATED, CERTIFICATE_REVOKED_DETAILS);
      else if (session.cluster.certificateNotAfter !== undefined && session.cluster.certificateNotAfter.getTime() <= Date.now())
        session.end(GrpcStatus.UNAUTHENTICATED, CERTIFICATE_EXPIRED_DETAILS);
      else if (serial === undefined && row.credential_hash !== session.cluster.credentialHash)
        session.end(GrpcStatus.UNAUTHENTICATED, ROTATED_DETAILS);
      else if (row.revision !== null && BigInt(row.revision) > session.carriedRevision)
        behind.push({ session, revision: BigInt(row.revision) });
    }
    if (behind.length === 0) return;
    // Rows read while a placement pass writes them (it writes chunk by chunk and announces the
    // whole pass at the end) are TargetSets on their way: a sweep that sent them too read the
    // TargetSets of a whole commit again, at 10,000 agents 7,000 reads in one commit of three
    // (bench/scale.ts, round 17). They are left to their announcement; what is still behind
    // after it is sent here.
    await this.announcementsHeard();
    if (this.stopping) return;
    const stillBehind = behind.filter(
      ({ session, revision }) => this.sessions.get(session.cluster.id) === session && session.isOpen && revision > session.carriedRevision,
    );
    await Promise.all(
      stillBehind.map(({ session }) =>
        session
          .refresh()
          .catch((error: unknown) => this.log.warn({ err: error, cluster: session.cluster.name }, 'sending a newer TargetSet failed')),
      ),
    );
  }

  /**
   * Waits for this replica's placement passes in flight, then a grace for other replicas'
   * signals: both bounded, both cut short when the module stops.
   */
  private async announcementsHeard(): Promise<void> {
    const passesDone = new AbortController();
    try {
      await Promise.race([
        this.placement.settled(),
        sleep(PLACEMENT_WAIT_MS, undefined, { signal: AbortSignal.any([this.stopped.signal, passesDone.signal]) }),
      ]);
      passesDone.abort();
      await sleep(ANNOUNCEMENT_GRACE_MS, undefined, { signal: this.stopped.signal });
    } catch {
      // Stopping: the sweep ends here.
    } finally {
      passesDone.abort();
    }
  }

  /** Typed with the generated server interface. */
  handlers(): FleetServer {
    return {
      register: (call, callback) => void this.register(call, callback),
      renewCertificate: (call, callback) =>
        void renewCertificate(
          {
            authenticate: (c) => this.authenticator.authenticate(c),
            renew: (cluster, csr) => this.clusters.renewCertificate(cluster, csr),
            log: this.log,
          },
          call,
          callback,
        ),
      connect: (call) => void this.connect(call),
      fetchArtifact: (call) =>
        void this.artifacts.serve(call).catch((error: unknown) => {
          this.log.error({ err: error }, 'serving an artifact failed');
          call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'serving the artifact failed; retry' });
        }),
    };
  }

  private async register(
    call: ServerUnaryCall<RegisterRequest, RegisterResponse>,
    callback: sendUnaryData<RegisterResponse>,
  ): Promise<void> {
    try {
      const r = call.request;
      const registration = await this.clusters.register({
        bootstrapToken: r.bootstrapToken,
        clusterUid: r.clusterUid,
        name: r.name,
        labels: r.labels,
        agentVersion: r.agentVersion,
        csr: r.csr,
      });
      callback(null, registration);
    } catch (error) {
      if (error instanceof RegistrationError) {
        this.log.warn({ cluster: call.request.name.slice(0, 63), reason: error.message }, 'registration refused');
        callback({ code: REGISTRATION_STATUS[error.code], details: error.message, metadata: new Metadata() });
        return;
      }
      this.log.error({ err: error }, 'registration failed');
      callback({ code: GrpcStatus.UNAVAILABLE, details: 'registration failed; retry', metadata: new Metadata() });
    }
  }

  /** Authenticates before anything is read or sent; a refused call ends with UNAUTHENTICATED. */
  private async connect(call: AgentCall): Promise<void> {
    const handshake = this.admit(call);
    if (handshake === undefined) return;
    // Taken before the read: a change announced after it makes Hello read again.
    const epoch = this.targetSetEpoch;
    let auth;
    try {
      auth = await this.authenticator.authenticate(call);
    } catch (error) {
      handshake();
      this.log.error({ err: error }, 'authenticating an agent failed');
      call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'authentication unavailable; retry' });
      return;
    }
    if (auth.refused !== undefined) {
      handshake();
      this.log.warn({ peer: call.getPeer(), reason: auth.refused }, 'agent refused: bad credential');
      call.emit('error', unauthenticated(auth.refused));
      return;
    }
    const cluster = auth.cluster;
    if (call.cancelled) return handshake();
    const session = new AgentSession(cluster, call, this.context, epoch);
    this.handshakeOf.set(session, handshake);
    this.sessions.add(session);
    void this.presence.connected(cluster.id).catch((error: unknown) => this.log.warn({ err: error }, 'recording a connect failed'));
    session.start();
  }

  /**
   * Takes a handshake place, or refuses the call with RESOURCE_EXHAUSTED and a retry hint when
   * GRPC_MAX_HANDSHAKES are under way: in a reconnect storm the hub sets up connections at the
   * pace it can answer them, and the rest come back later instead of timing out and retrying
   * all at once. Returns the place's release (idempotent).
   */
  private admit(call: AgentCall): (() => void) | undefined {
    if (this.handshakes >= this.config.grpcMaxHandshakes) {
      const metadata = new Metadata();
      metadata.set(RETRY_AFTER_METADATA, String(BUSY_RETRY_AFTER_MS));
      call.emit('error', {
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        details: `the hub is setting up ${this.handshakes} other agent connections; retry after ${RETRY_AFTER_METADATA} ms (metadata)`,
        metadata,
      });
      return undefined;
    }
    this.handshakes++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.handshakes--;
    };
    const timer = setTimeout(release, HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    return release;
  }

  private onSessionClosed(session: AgentSession): void {
    this.handshakeOf.get(session)?.();
    if (!this.sessions.remove(session)) return;
    void session
      .drained()
      .then(() => (this.sessions.get(session.cluster.id) === undefined ? this.presence.disconnected(session.cluster.id) : undefined))
      .catch((error: unknown) => this.log.warn({ err: error, cluster: session.cluster.name }, 'recording a disconnect failed'));
  }
}
