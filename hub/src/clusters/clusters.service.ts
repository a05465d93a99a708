import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { Batcher } from '../database/batcher';
import { FleetEventsService } from '../events/fleet-events.service';
import { Listeners } from '../events/listeners';
import { LOGGER, type Logger } from '../logging/logger';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { BootstrapTokensService } from './bootstrap-tokens.service';
import { ClusterEntity, type ClusterState } from './cluster.entity';
import { ClusterRegistrar } from './cluster-registrar';
import {
  CERTIFICATE_REVOKED_DETAILS,
  CertificateRequestError,
  ClientCertificatesService,
  type IssuedCertificate,
} from './client-certificates.service';
import { REVOKED_DETAILS, ROTATED_DETAILS, UNKNOWN_CLUSTER_DETAILS, clusterIdOf, credentialMatches } from './credential';
import { targetSetHead, type TargetSetHead } from './target-set-head';
import { RegistrationError, validateRegistration, type Registration, type RegistrationRequest } from './registration';

/** The authenticated identity of an agent's call. */
export interface AuthenticatedCluster {
  id: string;
  name: string;
  /** Hash of the credential the session was opened with: once the stored one differs, the session must end. */
  credentialHash: string;
  /** Serial of the client certificate the call presented (mutual TLS); then credentialHash is unused. */
  certificateSerial?: string;
  /** When that certificate expires: a session opened with it ends then (the agent renews before). */
  certificateNotAfter?: Date;
  /**
   * The cluster's TargetSet as the authentication read found it (null: none, or the cluster
   * is not active), so that a reconnecting agent whose checksum matches costs no second read
   * at Hello (AgentSession). Undefined where it was not read.
   */
  targetSet?: TargetSetHead | null;
}

/** A cluster that may now have targets: registered while active, or approved. */
export interface ClusterRegistered {
  clusterId: string;
  name: string;
  labels: Record<string, string>;
}

/** Why a cluster's open session must end now. */
export interface ClusterCredentialInvalidated {
  clusterId: string;
  /** The gRPC status details the agent sees (UNAUTHENTICATED). */
  reason: string;
}

/** A refused operator action on a cluster (the controller maps it to an HTTP status). */
export class ClusterActionError extends Error {
  constructor(
    readonly code: 'cluster_not_found' | 'cluster_revoked',
    message: string,
  ) {
    super(message);
  }
}

export { REVOKED_DETAILS, ROTATED_DETAILS } from './credential';

@Injectable()
export class ClustersService {
  /** Fired after a cluster registered or re-registered (its labels may have changed). */
  readonly registered: Listeners<ClusterRegistered>;
  /**
   * Fired when a cluster's credential stopped being valid: a re-registration replaced it,
   * the cluster was revoked, or its credential was rotated. Its open session must end.
   */
  readonly credentialInvalidated: Listeners<ClusterCredentialInvalidated>;
  private readonly log: Logger;
  /** Authentications of all connecting agents, read a batch per statement. */
  private readonly credentials = new Batcher<string, AuthenticatedCluster | null>((ids) => this.readCredentials(ids), {
    maxItems: 500,
    maxWaitMs: 5,
  });
  private readonly registrar: ClusterRegistrar;

  constructor(
    @InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>,
    @InjectDataSource() private readonly db: DataSource,
    tokens: BootstrapTokensService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly events: FleetEventsService,
    private readonly certificates: ClientCertificatesService,
  ) {
    this.log = logger.child({ module: 'clusters' });
    this.registered = new Listeners((error) => this.log.error({ err: error }, 'reacting to a registration failed'));
    this.credentialInvalidated = new Listeners((error) => this.log.error({ err: error }, 'reacting to a credential change failed'));
    this.registrar = new ClusterRegistrar(
      db,
      tokens,
      certificates,
      () => (config.clusterApprovalRequired ? 'pending' : 'active'),
      (request) => this.checkRegistration(request),
    );
  }

  /**
   * docs/protocol.md "Registration": a known kube-system UID keeps its id and name and gets a
   * new credential (and the labels it now sends); a new UID gets a new id unless its name is taken.
   * A new cluster starts `pending` when approval is required; a revoked one comes back the same
   * way (or active). Registrations arriving together are written together (ClusterRegistrar),
   * each refused or admitted as if it had come alone; the token's uses are counted in the same
   * transaction.
   */
  async register(request: RegistrationRequest): Promise<Registration> {
    const { registration, state, reRegistration, token } = await this.registrar.register(request);
    const { clusterId: id, clusterName: name } = registration;
    this.log.info({ cluster: name, clusterId: id, reRegistration, state, token }, 'cluster registered');
    this.events.recordQuietly({
      type: 'cluster.registered',
      severity: 'info',
      cluster: name,
      bundle: null,
      commit: null,
      message: `cluster ${name} ${reRegistration ? 're-registered' : 'registered'} (${state})`,
      details: { reRegistration, state, labels: request.labels },
    });
    if (reRegistration) await this.credentialInvalidated.emit({ clusterId: id, reason: 'credential rotated by a re-registration' });
    if (state === 'active') await this.registered.emit({ clusterId: id, name, labels: request.labels });
    return registration;
  }

  /** What a registration is refused for whatever is stored: the request itself, and its CSR. */
  private checkRegistration(request: RegistrationRequest): void {
    validateRegistration(request);
    if (request.csr === '' && this.config.agentAuth === 'mtls') {
      throw new RegistrationError(
        'invalid_argument',
        'csr is required: this hub authenticates agents by client certificate (AGENT_AUTH=mtls)',
      );
    }
    if (request.csr !== '') this.checkRequest(request.csr);
  }

  /** RenewCertificate: a new client certificate for an authenticated cluster's CSR. */
  async renewCertificate(cluster: AuthenticatedCluster, csr: string): Promise<IssuedCertificate> {
    this.checkRequest(csr);
    const issued = await this.certificates.issue(cluster, csr);
    if (cluster.certificateSerial === undefined)
      this.log.info({ cluster: cluster.name, clusterId: cluster.id }, 'agent moved from bearer to a client certificate');
    return issued;
  }

  private checkRequest(csr: string): void {
    try {
      this.certificates.checkRequest(csr);
    } catch (error) {
      if (error instanceof CertificateRequestError) throw new RegistrationError('invalid_argument', error.message);
      throw error;
    }
  }

  /** A pending cluster becomes active and gets its TargetSet; approving an active one changes nothing. */
  async approve(name: string): Promise<ClusterEntity> {
    const cluster = await this.require(name);
    if (cluster.state === 'revoked')
      throw new ClusterActionError('cluster_revoked', `cluster "${name}" is revoked; it must register again first`);
    if (cluster.state === 'pending') {
      await this.clusters.query(`UPDATE cluster SET state = 'active', state_changed_at = now() WHERE id = $1 AND state = 'pending'`, [
        cluster.id,
      ]);
      this.log.info({ cluster: name, clusterId: cluster.id }, 'cluster approved');
      await this.registered.emit({ clusterId: cluster.id, name: cluster.name, labels: cluster.labels });
    }
    return this.require(name);
  }

  /**
   * Invalidates the credential, marks the cluster revoked and ends its open session at once.
   * Only a registration with a valid bootstrap token brings it back (with a new credential).
   */
  async revoke(name: string): Promise<ClusterEntity> {
    const cluster = await this.require(name);
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE cluster SET state = 'revoked', credential_hash = '', state_changed_at = now() WHERE id = $1`, [cluster.id]);
      await this.certificates.revokeForCluster(cluster.id, 'cluster revoked', tx);
    });
    this.log.warn({ cluster: name, clusterId: cluster.id }, 'cluster revoked');
    this.events.recordQuietly({
      type: 'cluster.revoked',
      severity: 'warning',
      cluster: cluster.name,
      bundle: null,
      commit: null,
      message: `cluster ${cluster.name} revoked`,
      details: {},
    });
    await this.credentialInvalidated.emit({ clusterId: cluster.id, reason: REVOKED_DETAILS });
    return this.require(name);
  }

  /**
   * The protocol has no message that hands an agent a new credential over its stream, so a
   * rotation invalidates the credential and ends the session; the agent registers again with a
   * bootstrap token and receives a new one. The cluster keeps its state, id, name and targets.
   */
  async rotateCredential(name: string): Promise<ClusterEntity> {
    const cluster = await this.require(name);
    if (cluster.state === 'revoked')
      throw new ClusterActionError('cluster_revoked', `cluster "${name}" is revoked; it must register again first`);
    await this.invalidateCredentials(cluster, 'credential rotated');
    this.log.warn({ cluster: name, clusterId: cluster.id }, 'cluster credential invalidated for rotation');
    await this.credentialInvalidated.emit({ clusterId: cluster.id, reason: ROTATED_DETAILS });
    return this.require(name);
  }

  /**
   * Revokes the cluster's client certificates. Its bearer credential goes too, or the agent
   * would use it to obtain a new certificate: like a rotation, the agent registers again.
   */
  async revokeCertificates(name: string): Promise<{ cluster: ClusterEntity; revoked: number }> {
    const cluster = await this.require(name);
    const revoked = await this.invalidateCredentials(cluster, 'revoked by an administrator');
    this.log.warn({ cluster: name, clusterId: cluster.id, revoked }, 'client certificates revoked');
    await this.credentialInvalidated.emit({ clusterId: cluster.id, reason: CERTIFICATE_REVOKED_DETAILS });
    return { cluster: await this.require(name), revoked };
  }

  /** Ends the bearer credential and revokes the certificates of a cluster, at once; how many certificates. */
  private invalidateCredentials(cluster: ClusterEntity, reason: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query(`UPDATE cluster SET credential_hash = '' WHERE id = $1`, [cluster.id]);
      return this.certificates.revokeForCluster(cluster.id, reason, tx);
    });
  }

  /** What to tell an agent whose credential was refused. */
  async refusalReason(credential: string | undefined): Promise<string> {
    const id = credential === undefined ? undefined : clusterIdOf(credential);
    if (id === undefined) return 'invalid credential';
    const rows: { state: ClusterState; credential_hash: string }[] = await this.clusters.query(
      `SELECT state, credential_hash FROM cluster WHERE id = $1`,
      [id],
    );
    if (rows.length === 0) return UNKNOWN_CLUSTER_DETAILS;
    if (rows[0].state === 'revoked') return REVOKED_DETAILS;
    if (rows[0].credential_hash === '') return ROTATED_DETAILS;
    return 'invalid credential';
  }

  private async require(name: string): Promise<ClusterEntity> {
    const cluster = await this.clusters.findOne({ where: { name } });
    if (cluster === null) throw new ClusterActionError('cluster_not_found', `no cluster named "${name.slice(0, 63)}"`);
    return cluster;
  }

  /** The cluster a bearer credential belongs to, or null for anything missing, malformed, unknown or wrong. */
  async authenticate(credential: string | undefined): Promise<AuthenticatedCluster | null> {
    const id = credential === undefined ? undefined : clusterIdOf(credential);
    if (credential === undefined || id === undefined) return null;
    const cluster = await this.credentials.submit(id);
    if (cluster === null || cluster.credentialHash === '' || !credentialMatches(credential, cluster.credentialHash)) return null;
    return cluster;
  }

  /**
   * The credential hashes of a batch of connecting agents' clusters, in one read (a reconnect
   * storm), with the TargetSet each holds (only an active cluster's counts, as for Hello).
   */
  private async readCredentials(ids: string[]): Promise<(AuthenticatedCluster | null)[]> {
    const rows: { id: string; name: string; credential_hash: string; revision: string | null; checksum: string | null }[] =
      await this.clusters.query(
        `SELECT c.id::text AS id, c.name, c.credential_hash, t.revision::text AS revision, t.checksum
         FROM cluster c LEFT JOIN target_set t ON t.cluster_id = c.id AND c.state = 'active'
         WHERE c.id = ANY($1::uuid[])`,
        [[...new Set(ids)]],
      );
    const byId = new Map(
      rows.map((r) => [r.id, { id: r.id, name: r.name, credentialHash: r.credential_hash, targetSet: targetSetHead(r) }]),
    );
    return ids.map((id) => byId.get(id) ?? null);
  }
}
