import { Metadata, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Command, FleetServer, RegisterRequest, RegisterResponse } from '#proto';
import { RETRY_AFTER_METADATA } from '#core';
import { ClusterPresenceService } from '../clusters/cluster-presence.service';
import { connectivityOf } from '../clusters/connectivity';
import { ClustersService } from '../clusters/clusters.service';
import { unauthenticated } from './credential-refusal';
import { ClientCertificatesService } from '../clusters/client-certificates.service';
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
import { SessionSweep } from './session-sweep';
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
  private readonly sweeper: SessionSweep;
  private sweepTimer: NodeJS.Timeout | undefined;
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
    @InjectDataSource() db: DataSource,
    artifacts: ArtifactStore,
    audit: AuditService,
    certificates: ClientCertificatesService,
  ) {
    this.log = logger.child({ module: 'gateway' });
    this.authenticator = new AgentAuthenticator(config.agentAuth, clusters, certificates);
    this.sessions = new SessionRegistry(config.heartbeatIntervalMs);
    this.sweeper = new SessionSweep({
      sessions: this.sessions,
      db,
      certificates,
      placementSettled: () => this.placement.settled(),
      log: this.log,
    });
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
    clearInterval(this.sweepTimer);
    await this.sweeper.stop();
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
    return this.sweeper.sweep();
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
        if (this.sessions.get(signal.clusterId) !== undefined) void this.sweeper.check([signal.clusterId]);
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
