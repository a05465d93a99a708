import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { Listeners } from '../events/listeners';
import { LOGGER, type Logger } from '../logging/logger';
import { ClusterEntity } from './cluster.entity';
import { clusterIdOf, credentialMatches, hashCredential, issueCredential, secretsEqual } from './credential';
import { RegistrationError, validateRegistration, type Registration, type RegistrationRequest } from './registration';

/** The authenticated identity of an agent's call. */
export interface AuthenticatedCluster {
  id: string;
  name: string;
}

export interface ClusterRegistered {
  clusterId: string;
  labels: Record<string, string>;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class ClustersService {
  /** Fired after a cluster registered or re-registered (its labels may have changed). */
  readonly registered: Listeners<ClusterRegistered>;
  /** Fired, before `registered`, when a re-registration replaced a cluster's credential. */
  readonly credentialRotated: Listeners<{ clusterId: string }>;
  private readonly log: Logger;

  constructor(
    @InjectRepository(ClusterEntity) private readonly clusters: Repository<ClusterEntity>,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'clusters' });
    this.registered = new Listeners((error) => this.log.error({ err: error }, 'reacting to a registration failed'));
    this.credentialRotated = new Listeners((error) => this.log.error({ err: error }, 'reacting to a credential rotation failed'));
  }

  /**
   * docs/protocol.md "Registration": a known kube-system UID keeps its id and name and gets a
   * new credential (and the labels it now sends); a new UID gets a new id unless its name is taken.
   */
  async register(request: RegistrationRequest): Promise<Registration> {
    if (!secretsEqual(request.bootstrapToken, this.config.bootstrapToken)) {
      throw new RegistrationError('unauthenticated', 'invalid bootstrap token');
    }
    validateRegistration(request);

    const known = await this.clusters.findOne({ where: { kubeSystemUid: request.clusterUid } });
    const id = known?.id ?? randomUUID();
    const credential = issueCredential(id);
    let rows: { id: string; name: string }[];
    try {
      rows = await this.clusters.query(
        `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
         VALUES ($1, $2, $3, $4, $5, $6, now(), false)
         ON CONFLICT (kube_system_uid) DO UPDATE
           SET credential_hash = EXCLUDED.credential_hash, labels = EXCLUDED.labels, agent_version = EXCLUDED.agent_version
         RETURNING id, name`,
        [id, request.name, request.clusterUid, JSON.stringify(request.labels), hashCredential(credential), request.agentVersion],
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new RegistrationError('already_exists', `cluster name "${request.name}" is held by another cluster`);
      }
      throw error;
    }
    if (rows[0].id !== id) {
      // Another registration of the same UID won a race; its credential stands, ours was never stored.
      throw new RegistrationError('already_exists', 'a registration of this cluster is already in progress');
    }
    this.log.info({ cluster: rows[0].name, clusterId: id, reRegistration: known !== null }, 'cluster registered');
    if (known !== null) await this.credentialRotated.emit({ clusterId: id });
    await this.registered.emit({ clusterId: id, labels: request.labels });
    return { clusterId: id, clusterName: rows[0].name, credential };
  }

  /** The cluster a bearer credential belongs to, or null for anything missing, malformed, unknown or wrong. */
  async authenticate(credential: string | undefined): Promise<AuthenticatedCluster | null> {
    const id = credential === undefined ? undefined : clusterIdOf(credential);
    if (credential === undefined || id === undefined) return null;
    const cluster = await this.clusters.findOne({ where: { id }, select: { id: true, name: true, credentialHash: true } });
    if (cluster === null || !credentialMatches(credential, cluster.credentialHash)) return null;
    return { id: cluster.id, name: cluster.name };
  }

  /** Whether a credential names a registered cluster (right or wrong secret): the agent keeps it only then. */
  async isKnown(credential: string): Promise<boolean> {
    const id = clusterIdOf(credential);
    return id !== undefined && (await this.clusters.exists({ where: { id } }));
  }

  async list(): Promise<ClusterEntity[]> {
    return this.clusters.find({ order: { name: 'ASC' } });
  }

  async findByName(name: string): Promise<ClusterEntity | null> {
    return this.clusters.findOne({ where: { name } });
  }

  async findById(id: string): Promise<ClusterEntity | null> {
    return this.clusters.findOne({ where: { id } });
  }
}
