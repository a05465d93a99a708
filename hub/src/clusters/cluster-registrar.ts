import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Batcher } from '../database/batcher';
import { BootstrapTokensService, type PresentedToken, type TokenRow } from './bootstrap-tokens.service';
import type { ClusterState } from './cluster.entity';
import { CertificateRequestError, type ClientCertificatesService, type IssuedCertificate } from './client-certificates.service';
import { hashCredential, issueCredential } from './credential';
import { decideRegistrations, tokenUses, type AdmittedRegistration, type StoredCluster } from './registration-batch';
import { RegistrationError, type Registration, type RegistrationRequest } from './registration';

/** A registration as written: what the agent receives, and what the hub reports about it. */
export interface WrittenRegistration {
  registration: Registration;
  state: ClusterState;
  reRegistration: boolean;
  token: PresentedToken['kind'];
}

type Outcome = WrittenRegistration | RegistrationError;

const UNIQUE_VIOLATION = '23505';

/** A registration admitted and credentialed, about to be written. */
interface Pending extends AdmittedRegistration {
  credential: string;
  certificate: IssuedCertificate | undefined;
}

/**
 * Writes registrations that arrive together at once: one read of the clusters they name (and of
 * their tokens), one multi-row upsert, one revocation of the re-registered clusters'
 * certificates, one insert of the new certificates and one count of the tokens' uses.
 */
export class ClusterRegistrar {
  private readonly batches = new Batcher<RegistrationRequest, Outcome>((requests) => this.write(requests), {
    maxItems: 500,
    maxWaitMs: 5,
    // Another hub replica took a name between the read and the upsert: retried one by one, the
    // registration that asked for it fails alone.
    blamesAnItem: (error) => (error as { code?: string }).code === UNIQUE_VIOLATION,
  });

  constructor(
    private readonly db: DataSource,
    private readonly tokens: BootstrapTokensService,
    private readonly certificates: ClientCertificatesService,
    private readonly initialState: () => ClusterState,
    /** Throws a RegistrationError for a request refused whatever is stored (name, labels, CSR). */
    private readonly check: (request: RegistrationRequest) => void,
  ) {}

  async register(request: RegistrationRequest): Promise<WrittenRegistration> {
    const outcome = await this.batches.submit(request);
    if (outcome instanceof RegistrationError) throw outcome;
    return outcome;
  }

  private async write(requests: RegistrationRequest[]): Promise<Outcome[]> {
    const tokens = requests.map((r) => {
      try {
        return this.tokens.classify(r.bootstrapToken);
      } catch (error) {
        if (error instanceof RegistrationError) return error;
        throw error;
      }
    });
    try {
      return await this.writeAll(requests, tokens);
    } catch (error) {
      if (requests.length === 1 && (error as { code?: string }).code === UNIQUE_VIOLATION) {
        return [new RegistrationError('already_exists', `cluster name "${requests[0].name}" is held by another cluster`)];
      }
      throw error;
    }
  }

  /**
   * A batch of new clusters with the configured token (a fleet's first start) is one read and
   * one upsert; token uses to count, certificates to revoke or record take a transaction, and
   * the tokens are locked in it so that no other batch counts their uses meanwhile.
   */
  private async writeAll(requests: RegistrationRequest[], tokens: (PresentedToken | RegistrationError)[]): Promise<Outcome[]> {
    const hashes = tokens.flatMap((t) => (t instanceof RegistrationError || t.kind !== 'stored' ? [] : [t.hash]));
    // Only well-formed requests are looked up: a UID with a NUL in it is refused by its check,
    // not by PostgreSQL failing the whole batch's read.
    const lookedUp = requests.filter((r) => this.passes(r));
    const stored: StoredCluster[] = await this.db.query(
      `SELECT id::text AS id, name, kube_system_uid AS "kubeSystemUid" FROM cluster
       WHERE kube_system_uid = ANY($1::text[]) OR name = ANY($2::text[])`,
      [lookedUp.map((r) => r.clusterUid), lookedUp.map((r) => r.name)],
    );
    const uids = new Set(requests.map((r) => r.clusterUid));
    const alone = hashes.length === 0 && requests.every((r) => r.csr === '') && !stored.some((c) => uids.has(c.kubeSystemUid));
    if (alone) return this.writeIn(this.db.manager, requests, tokens, new Map(), stored);
    return this.db.transaction(async (tx) => this.writeIn(tx, requests, tokens, await this.tokens.lockByHash(hashes, tx), stored));
  }

  private passes(request: RegistrationRequest): boolean {
    try {
      this.check(request);
      return true;
    } catch (error) {
      if (error instanceof RegistrationError) return false;
      throw error;
    }
  }

  private async writeIn(
    manager: EntityManager,
    requests: RegistrationRequest[],
    tokens: (PresentedToken | RegistrationError)[],
    storedTokens: Map<string, TokenRow>,
    stored: StoredCluster[],
  ): Promise<Outcome[]> {
    const decisions = decideRegistrations(requests, { tokens, storedTokens, stored, check: this.check, newId: randomUUID });
    // Signing can still refuse a CSR the check let through; that registration fails alone.
    const prepared = decisions.map((d): Pending | RegistrationError => {
      if (d.refused !== undefined) return d.refused;
      const { admitted } = d;
      try {
        const certificate = admitted.request.csr === '' ? undefined : this.certificates.sign(admitted, admitted.request.csr);
        return { ...admitted, credential: issueCredential(admitted.id), certificate };
      } catch (error) {
        if (error instanceof CertificateRequestError) return new RegistrationError('invalid_argument', error.message);
        throw error;
      }
    });
    const pending = prepared.filter((p): p is Pending => !(p instanceof RegistrationError));
    const written = pending.length === 0 ? new Map<string, ClusterState>() : await this.upsert(manager, pending);
    const done = pending.filter((p) => written.has(p.id));
    const outcomes = prepared.map((p): Outcome => {
      if (p instanceof RegistrationError) return p;
      const state = written.get(p.id);
      // Another replica registered this UID between the read and the upsert; its credential stands.
      if (state === undefined) return new RegistrationError('already_exists', 'a registration of this cluster is already in progress');
      return {
        registration: {
          clusterId: p.id,
          clusterName: p.name,
          credential: p.credential,
          clientCertificate: p.certificate?.clientCertificate ?? '',
          caCertificate: p.certificate?.caCertificate ?? '',
        },
        state,
        reRegistration: p.reRegistration,
        token: p.tokenId === undefined ? 'configured' : 'stored',
      };
    });
    // A re-registration replaces every credential: the certificates of before are revoked.
    await this.certificates.revokeForClusters(
      done.filter((p) => p.reRegistration).map((p) => p.id),
      're-registered',
      manager,
    );
    await this.certificates.record(
      done.flatMap((p) => (p.certificate === undefined ? [] : [{ cluster: p, issued: p.certificate }])),
      manager,
    );
    await this.tokens.addUses(tokenUses(done), manager);
    return outcomes;
  }

  /**
   * docs/protocol.md "Registration": a known UID keeps its id and name and gets the new
   * credential and labels; a revoked one comes back in the initial state. The state of each row
   * written, by id; a UID that another registration inserted meanwhile (another id) is left alone.
   */
  private async upsert(tx: EntityManager, pending: Pending[]): Promise<Map<string, ClusterState>> {
    const rows: { id: string; state: ClusterState }[] = await tx.query(
      `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected, state, state_changed_at)
       SELECT id, name, uid, labels, hash, version, now(), false, $7, now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[]) AS r(id, name, uid, labels, hash, version)
       ON CONFLICT (kube_system_uid) DO UPDATE
         SET credential_hash = EXCLUDED.credential_hash, labels = EXCLUDED.labels, agent_version = EXCLUDED.agent_version,
             state = CASE WHEN cluster.state = 'revoked' THEN EXCLUDED.state ELSE cluster.state END,
             state_changed_at = CASE WHEN cluster.state = 'revoked' THEN now() ELSE cluster.state_changed_at END
         WHERE cluster.id = EXCLUDED.id
       RETURNING id::text AS id, state`,
      [
        pending.map((p) => p.id),
        pending.map((p) => p.name),
        pending.map((p) => p.request.clusterUid),
        pending.map((p) => JSON.stringify(p.request.labels)),
        pending.map((p) => hashCredential(p.credential)),
        pending.map((p) => p.request.agentVersion),
        this.initialState(),
      ],
    );
    return new Map(rows.map((r) => [r.id, r.state]));
  }
}
