import { Metadata, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Command, FleetServer, RegisterRequest, RegisterResponse } from '#proto';
import { ClusterPresenceService } from '../clusters/cluster-presence.service';
import { ClustersService } from '../clusters/clusters.service';
import { bearerCredential } from '../clusters/credential';
import { RegistrationError, type RegistrationErrorCode } from '../clusters/registration';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { PlacementService } from '../placement/placement.service';
import { StatusService } from '../status/status.service';
import { AgentSession, type AgentCall, type SessionContext } from './agent-session';
import { SessionRegistry } from './session-registry';

const REGISTRATION_STATUS: Record<RegistrationErrorCode, GrpcStatus> = {
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  invalid_argument: GrpcStatus.INVALID_ARGUMENT,
  already_exists: GrpcStatus.ALREADY_EXISTS,
};

/** The Fleet service's handlers: registration, and one session per authenticated Connect. */
@Injectable()
export class FleetGateway implements OnModuleInit {
  readonly sessions: SessionRegistry;
  private readonly log: Logger;
  private readonly context: SessionContext;

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    private readonly clusters: ClustersService,
    private readonly presence: ClusterPresenceService,
    private readonly placement: PlacementService,
    private readonly status: StatusService,
    @Inject(LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
  ) {
    this.log = logger.child({ module: 'gateway' });
    this.sessions = new SessionRegistry(config.heartbeatIntervalMs);
    this.context = {
      currentTargetSet: (id) => this.placement.current(id),
      recordAck: (id, revision, checksum) => this.placement.recordAck(id, revision, checksum),
      storeReport: (id, report) => this.status.store(id, report),
      heard: (id) => this.presence.touch(id),
      closed: (session) => this.onSessionClosed(session),
      log: this.log,
    };
  }

  onModuleInit(): void {
    this.placement.changed.add((changes) => {
      for (const change of changes) this.sessions.get(change.clusterId)?.push(change);
    });
    // Re-registration, revocation and rotation end the credential: a session opened with it must not outlive it.
    this.clusters.credentialInvalidated.add(({ clusterId, reason }) => {
      this.sessions.get(clusterId)?.end(GrpcStatus.UNAUTHENTICATED, reason);
    });
    this.sessions.startHeartbeats();
    this.metrics.countAgentsWith(() => this.sessions.size);
  }

  /** Sends a Command over the cluster's open session on this hub; false when it has none. */
  sendCommand(clusterId: string, command: Command): boolean {
    return this.sessions.get(clusterId)?.command(command) ?? false;
  }

  /** Typed with the generated server interface. */
  handlers(): FleetServer {
    return {
      register: (call, callback) => void this.register(call, callback),
      connect: (call) => void this.connect(call),
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
    const credential = bearerCredential(call.metadata.get('authorization')[0]?.toString());
    let cluster;
    try {
      cluster = await this.clusters.authenticate(credential);
    } catch (error) {
      this.log.error({ err: error }, 'authenticating an agent failed');
      call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'authentication unavailable; retry' });
      return;
    }
    if (cluster === null) {
      const reason = await this.clusters.refusalReason(credential).catch(() => 'invalid credential');
      this.log.warn({ peer: call.getPeer(), reason }, 'agent refused: bad credential');
      call.emit('error', { code: GrpcStatus.UNAUTHENTICATED, details: reason });
      return;
    }
    if (call.cancelled) return;
    const session = new AgentSession(cluster, call, this.context);
    this.sessions.add(session);
    void this.presence.connected(cluster.id).catch((error: unknown) => this.log.warn({ err: error }, 'recording a connect failed'));
    session.start();
  }

  private onSessionClosed(session: AgentSession): void {
    if (!this.sessions.remove(session)) return;
    void session
      .drained()
      .then(() => (this.sessions.get(session.cluster.id) === undefined ? this.presence.disconnected(session.cluster.id) : undefined))
      .catch((error: unknown) => this.log.warn({ err: error, cluster: session.cluster.name }, 'recording a disconnect failed'));
  }
}
