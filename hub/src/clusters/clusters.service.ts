import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
import { Raw, type DataSource, type Repository } from 'typeorm';
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

/** What PostgreSQL checks of a cluster list's filter while it reads the name index (pageByName). */
export interface ClusterRowFilter {
  state?: ClusterState;
  /** Lowercase: names that contain it, in any case. */
  nameContains?: string;
  /** Labels the cluster has, with exactly these values. */
  labels?: Record<string, string>;
  /** The start of the connectivity window (connectivityOf's), for `connected` and `bundlePhase`. */
  heardSince?: Date;
  /** Connected (true) or unreachable, as connectivityOf decides it. */
  connected?: boolean;
  /**
   * What a cluster with a bundle in some phase must have (status/phase.ts, phaseNeeds): active
   * and reachable or not, and a status reported in one of these phases.
   */
  bundlePhase?: { reachable: boolean; reported?: readonly string[] };
  /** Some status of the cluster counts a drifted resource. */
  drifted?: boolean;
}

/** A cluster as the live stream watches it (ClustersService.presence). */
export type ClusterPresence = Pick<ClusterEntity, 'id' | 'name' | 'labels' | 'state' | 'connected' | 'lastSeenAt'>;

/** Clusters of one state, connectivity and label value, counted (countByPresence). */
export interface ClusterCount {
  state: ClusterState;
  connected: boolean;
  groupValue: string | null;
  clusters: number;
}

/** An active cluster as placement and the rollout planner see it. */
export interface ActiveCluster {
  id: string;
  name: string;
  labels: Record<string, string>;
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
  /** Every column of the cluster table under its entity property's name (pageByName), made once. */
  private entityColumns: string | undefined;
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
    const cluster = await this.findByName(name);
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

  /**
   * Up to `limit` clusters whose names come after `after`, in code-point order of the name
   * (the API's cursor order), from the name index: a page without reading the fleet. Only
   * clusters that pass `filter` are read, so a selective filter costs a scan of the cluster
   * table, not the fleet's TargetSets and statuses.
   */
  async pageByName(after: string | undefined, limit: number, filter: ClusterRowFilter = {}): Promise<ClusterEntity[]> {
    // One statement: the page's rows whole, each column under its property's name (ClusterEntity
    // has no transformers; pg makes Dates of the timestamps and objects of the labels).
    this.entityColumns ??= this.clusters.metadata.columns.map((c) => `${c.databaseName} AS "${c.propertyName}"`).join(', ');
    const rows: ClusterEntity[] = await this.clusters.query(
      `SELECT ${this.entityColumns} FROM cluster
       WHERE ($1::text IS NULL OR name COLLATE "C" > $1)
         AND ($3::text IS NULL OR state = $3)
         AND ($4::text IS NULL OR strpos(lower(name), $4) > 0)
         AND ($5::jsonb IS NULL OR labels @> $5)
         AND ($6::boolean IS NULL OR COALESCE(connected AND last_seen_at >= $7, false) = $6)
         AND ($8::boolean IS NULL OR (state = 'active' AND COALESCE(connected AND last_seen_at >= $7, false) = $8))
         AND ($9::text[] IS NULL OR EXISTS (SELECT 1 FROM bundle_status s WHERE s.cluster_id = cluster.id AND s.phase = ANY($9::text[])))
         AND ($10::boolean IS NULL OR EXISTS (SELECT 1 FROM bundle_status s WHERE s.cluster_id = cluster.id AND s.drift_count > 0))
       ORDER BY name COLLATE "C" LIMIT $2`,
      [
        after ?? null,
        limit,
        filter.state ?? null,
        filter.nameContains ?? null,
        filter.labels === undefined ? null : JSON.stringify(filter.labels),
        filter.connected ?? null,
        filter.heardSince ?? null,
        filter.bundlePhase?.reachable ?? null,
        filter.bundlePhase?.reported ?? null,
        filter.drifted ?? null,
      ],
    );
    return rows.map((row) => Object.assign(new ClusterEntity(), row));
  }

  /**
   * Clusters counted by state, whether heard from since `heardSince` with a session open
   * (connectivityOf's "connected"), and the value of the `groupBy` label: a few rows, however
   * many clusters there are.
   */
  async countByPresence(heardSince: Date, groupBy?: string): Promise<ClusterCount[]> {
    return this.clusters.query(
      `SELECT state, COALESCE(connected AND last_seen_at >= $1, false) AS connected, labels->>$2 AS "groupValue", count(*)::int AS clusters
       FROM cluster GROUP BY 1, 2, 3`,
      [heardSince, groupBy ?? null],
    );
  }

  /**
   * Every cluster with what its connectivity is decided on, in one plain read: what the live
   * stream looks at every few seconds while someone listens, so no entity (nor credential) is built.
   */
  async presence(): Promise<ClusterPresence[]> {
    return this.clusters.query(
      `SELECT id::text AS id, name, labels, state, connected, last_seen_at AS "lastSeenAt" FROM cluster ORDER BY name`,
    );
  }

  /**
   * The active clusters with only what placement and the rollout planner need of them: a plain
   * read, no entities built (each fleet commit's placement reads the whole fleet).
   */
  async listActiveForPlacement(): Promise<ActiveCluster[]> {
    return this.clusters.query(`SELECT id::text AS id, name, labels FROM cluster WHERE state = 'active' ORDER BY name`);
  }

  /** Every cluster's id, name and labels (what a scope decides visibility on), in one plain read. */
  async listNamesAndLabels(): Promise<Pick<ClusterEntity, 'id' | 'name' | 'labels'>[]> {
    return this.clusters.query(`SELECT id::text AS id, name, labels FROM cluster ORDER BY name`);
  }

  /** The active clusters whose TargetSet holds the bundle (found in PostgreSQL, no TargetSet read). */
  async holding(bundle: string): Promise<ClusterEntity[]> {
    return this.clusters.find({
      where: {
        state: 'active',
        id: Raw((id) => `${id} IN (SELECT cluster_id FROM target_set WHERE targets @> CAST(:holds AS jsonb))`, {
          holds: JSON.stringify([{ bundle }]),
        }),
      },
      order: { name: 'ASC' },
    });
  }

  /** Those of these clusters that are active, as listActiveForPlacement gives them. */
  async activeForPlacement(ids: string[]): Promise<ActiveCluster[]> {
    return this.clusters.query(
      `SELECT id::text AS id, name, labels FROM cluster WHERE state = 'active' AND id = ANY($1::uuid[]) ORDER BY name`,
      [ids],
    );
  }

  async findByName(name: string): Promise<ClusterEntity | null> {
    return this.clusters.findOne({ where: { name } });
  }

  async findById(id: string): Promise<ClusterEntity | null> {
    return this.clusters.findOne({ where: { id } });
  }
}
