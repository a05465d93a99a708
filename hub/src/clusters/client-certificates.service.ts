import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { certificateFacts, issueClientCertificate, verifyCertificationRequest, type KeyAndCertificate } from '#core';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { loadCertificateAuthority } from './certificate-authority';
import { REVOKED_DETAILS } from './credential';
import { targetSetHead, type TargetSetHead } from './target-set-head';

/** The URI SAN that names a cluster in its client certificate: the identity mutual TLS authenticates. */
export const CLUSTER_URI_PREFIX = 'spiffe://gitfleet/cluster/';

export const CERTIFICATE_REVOKED_DETAILS =
  'client certificate revoked on the hub: it is refused at every connect; register again with a bootstrap token';

/** A session outlived its certificate: the agent reconnects with its renewed one (or registers again). */
export const CERTIFICATE_EXPIRED_DETAILS = 'client certificate expired during the session; reconnect with a renewed certificate';

/** A CSR the hub will not sign; the message names what is wrong with it. */
export class CertificateRequestError extends Error {}

export interface IssuedCertificate {
  clientCertificate: string;
  caCertificate: string;
  serial: string;
  notAfter: Date;
}

/** A cluster a client certificate identified, or why the certificate is refused. */
export type CertificateIdentity =
  | { cluster: { id: string; name: string; serial: string; notAfter: Date; targetSet: TargetSetHead | null }; refused?: undefined }
  | { refused: string; cluster?: undefined };

/**
 * The hub's CA at work: signs agents' CSRs into client certificates recorded by serial, tells
 * which cluster a presented certificate stands for, and keeps the revocation list.
 */
@Injectable()
export class ClientCertificatesService {
  readonly ca: KeyAndCertificate;
  private readonly log: Logger;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.ca = loadCertificateAuthority(config);
    this.log = logger.child({ module: 'clusters' });
  }

  /** Throws CertificateRequestError unless `csr` is a PKCS#10 request signed by the key it holds. */
  checkRequest(csr: string): void {
    try {
      verifyCertificationRequest(csr);
    } catch (error) {
      throw new CertificateRequestError((error as Error).message);
    }
  }

  /** Signs a certificate for the CSR's key naming this cluster, and records it (in `tx` when given). */
  async issue(cluster: { id: string; name: string }, csr: string, tx?: EntityManager): Promise<IssuedCertificate> {
    const issued = this.sign(cluster, csr);
    await this.record([{ cluster, issued }], tx);
    return issued;
  }

  /** A certificate for the CSR's key naming this cluster; it is honoured only once recorded. */
  sign(cluster: { id: string; name: string }, csr: string): IssuedCertificate {
    try {
      const issued = issueClientCertificate(this.ca, {
        csr,
        commonName: cluster.name,
        uris: [`${CLUSTER_URI_PREFIX}${cluster.id}`],
        validityMs: this.config.agentCertValidityMs,
      });
      return { clientCertificate: issued.cert, caCertificate: this.ca.cert, serial: issued.facts.serial, notAfter: issued.facts.notAfter };
    } catch (error) {
      throw new CertificateRequestError((error as Error).message);
    }
  }

  /** Records signed certificates in one statement (in `tx` when given): from then on they identify their clusters. */
  async record(
    certificates: readonly { cluster: { id: string; name: string }; issued: IssuedCertificate }[],
    tx?: EntityManager,
  ): Promise<void> {
    if (certificates.length === 0) return;
    await (tx ?? this.db).query(
      `INSERT INTO client_certificate (serial, cluster_id, not_after) SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[])`,
      [certificates.map((c) => c.issued.serial), certificates.map((c) => c.cluster.id), certificates.map((c) => c.issued.notAfter)],
    );
    for (const { cluster, issued } of certificates)
      this.log.info(
        { cluster: cluster.name, clusterId: cluster.id, serial: issued.serial, notAfter: issued.notAfter },
        'client certificate issued',
      );
  }

  /**
   * The cluster a client certificate stands for. TLS has already checked that this hub's CA
   * signed it and that it is within its validity; here: issued by this hub for that cluster
   * (the URI SAN and the record agree), not revoked, and the cluster not revoked.
   */
  async identify(certificate: Buffer): Promise<CertificateIdentity> {
    let facts;
    try {
      facts = certificateFacts(certificate);
    } catch {
      return { refused: 'client certificate cannot be read' };
    }
    const uri = facts.uris.find((u) => u.startsWith(CLUSTER_URI_PREFIX));
    if (uri === undefined) return { refused: 'client certificate names no gitfleet cluster' };
    if (facts.notAfter.getTime() <= Date.now()) return { refused: `client certificate expired at ${facts.notAfter.toISOString()}` };
    const rows: {
      cluster_id: string;
      name: string;
      state: string;
      revoked_at: Date | null;
      revision: string | null;
      checksum: string | null;
    }[] = await this.db.query(
      `SELECT cc.cluster_id::text AS cluster_id, c.name, c.state, cc.revoked_at, t.revision::text AS revision, t.checksum
       FROM client_certificate cc JOIN cluster c ON c.id = cc.cluster_id
       LEFT JOIN target_set t ON t.cluster_id = c.id AND c.state = 'active'
       WHERE cc.serial = $1`,
      [facts.serial],
    );
    const row = rows[0];
    if (row === undefined) return { refused: 'client certificate unknown to this hub' };
    if (`${CLUSTER_URI_PREFIX}${row.cluster_id}` !== uri) return { refused: 'client certificate was not issued to the cluster it names' };
    if (row.revoked_at !== null) return { refused: CERTIFICATE_REVOKED_DETAILS };
    if (row.state === 'revoked') return { refused: REVOKED_DETAILS };
    return {
      cluster: { id: row.cluster_id, name: row.name, serial: facts.serial, notAfter: facts.notAfter, targetSet: targetSetHead(row) },
    };
  }

  /** Revokes every unexpired certificate of a cluster; how many. */
  revokeForCluster(clusterId: string, reason: string, tx?: EntityManager): Promise<number> {
    return this.revokeForClusters([clusterId], reason, tx);
  }

  /** Revokes every unexpired certificate of these clusters, in one statement; how many. */
  async revokeForClusters(clusterIds: readonly string[], reason: string, tx?: EntityManager): Promise<number> {
    if (clusterIds.length === 0) return 0;
    const rows: { n: number }[] = await (tx ?? this.db).query(
      `WITH revoked AS (UPDATE client_certificate SET revoked_at = now(), revoked_reason = $2
         WHERE cluster_id = ANY($1::uuid[]) AND revoked_at IS NULL AND not_after > now() RETURNING serial)
       SELECT count(*)::int AS n FROM revoked`,
      [clusterIds, reason],
    );
    return rows[0]?.n ?? 0;
  }

  /** The newest unexpired, unrevoked certificate issued to a cluster, or null. */
  async newest(clusterId: string): Promise<{ serial: string; notAfter: Date } | null> {
    const rows: { serial: string; not_after: Date }[] = await this.db.query(
      `SELECT serial, not_after FROM client_certificate WHERE cluster_id = $1 AND revoked_at IS NULL AND not_after > now()
       ORDER BY issued_at DESC LIMIT 1`,
      [clusterId],
    );
    return rows[0] === undefined ? null : { serial: rows[0].serial, notAfter: new Date(rows[0].not_after) };
  }

  /** Of these serials, the ones revoked. */
  async revokedAmong(serials: readonly string[]): Promise<Set<string>> {
    if (serials.length === 0) return new Set();
    const rows: { serial: string }[] = await this.db.query(
      `SELECT serial FROM client_certificate WHERE serial = ANY($1::text[]) AND revoked_at IS NOT NULL`,
      [serials],
    );
    return new Set(rows.map((r) => r.serial));
  }
}
