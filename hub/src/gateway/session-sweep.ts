import { setTimeout as sleep } from 'node:timers/promises';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { DataSource } from 'typeorm';
import {
  CERTIFICATE_EXPIRED_DETAILS,
  CERTIFICATE_REVOKED_DETAILS,
  type ClientCertificatesService,
} from '../clusters/client-certificates.service';
import { REVOKED_DETAILS, ROTATED_DETAILS } from '../clusters/clusters.service';
import { UNKNOWN_CLUSTER_DETAILS } from '../clusters/credential';
import type { Logger } from '../logging/logger';
import type { AgentSession } from './agent-session';
import type { SessionRegistry } from './session-registry';

/**
 * A sweep that finds sessions behind the database leaves their TargetSets this long to be
 * announced (after this replica's placement passes in flight) before it reads and sends them
 * itself: another replica signals what it placed once all its chunks are written.
 */
const ANNOUNCEMENT_GRACE_MS = 1_000;
/** The longest a sweep waits for this replica's placement passes in flight. */
const PLACEMENT_WAIT_MS = 10_000;

export interface SweepContext {
  sessions: SessionRegistry;
  db: DataSource;
  certificates: ClientCertificatesService;
  /** Resolves once this replica's placement passes asked for so far have announced their TargetSets. */
  placementSettled: () => Promise<void>;
  log: Logger;
}

/**
 * This replica's sessions checked against the database: every heartbeat interval (the signals
 * between replicas are hints, and one may be lost), and for a cluster whose credential another
 * replica invalidated. A session whose credential is no longer valid is ended; one behind the
 * TargetSet revision stored for its cluster is sent the newer TargetSet.
 */
export class SessionSweep {
  private sweeping: Promise<void> | undefined;
  private stopping = false;
  /** Aborted on stop: a check waiting for announcements stops waiting. */
  private readonly stopped = new AbortController();

  constructor(private readonly context: SweepContext) {}

  /** Checks every session now; a sweep asked for while one runs is that one. Resolves when done. */
  sweep(): Promise<void> {
    return (this.sweeping ??= this.check(this.context.sessions.clusterIds()).finally(() => (this.sweeping = undefined)));
  }

  /** No more checks; the sweep in hand ends as soon as it may. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.sweeping;
  }

  /** Ends the sessions of these clusters whose credential is no longer valid; sends newer TargetSets. */
  async check(clusterIds: readonly string[]): Promise<void> {
    const { sessions: registry, db, certificates, log } = this.context;
    // The sessions as they are now: one that replaces them meanwhile (a re-registration's new
    // credential) is newer than the rows read below and is left alone.
    const sessions = new Map(
      clusterIds.flatMap((id) => {
        const session = registry.get(id);
        return session === undefined ? [] : [[id, session] as const];
      }),
    );
    const ids = [...sessions.keys()];
    if (ids.length === 0 || this.stopping) return;
    let rows: { id: string; state: string; credential_hash: string; revision: string | null }[];
    try {
      rows = await db.query(
        `SELECT c.id::text AS id, c.state, c.credential_hash, t.revision::text AS revision
         FROM cluster c LEFT JOIN target_set t ON t.cluster_id = c.id WHERE c.id = ANY($1::uuid[])`,
        [ids],
      );
    } catch (error) {
      log.warn({ err: error }, 'checking sessions against the database failed; next interval');
      return;
    }
    const found = new Map(rows.map((row) => [row.id, row]));
    let revokedSerials: Set<string>;
    try {
      revokedSerials = await certificates.revokedAmong(
        [...sessions.values()].flatMap((s) => (s.cluster.certificateSerial === undefined ? [] : [s.cluster.certificateSerial])),
      );
    } catch (error) {
      log.warn({ err: error }, 'checking sessions against the revocation list failed; next interval');
      return;
    }
    // Sessions behind the database are refreshed together: their reads share batches (after a
    // lost signal that is every session of a commit, not one 5 ms batch wait after another).
    const behind: { session: AgentSession; revision: bigint }[] = [];
    for (const [id, session] of sessions) {
      if (registry.get(id) !== session || !session.isOpen) continue;
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
    // (docs/scale-rounds.md, seventeenth round). They are left to their announcement; what is
    // still behind after it is sent here.
    await this.announcementsHeard();
    if (this.stopping) return;
    const stillBehind = behind.filter(
      ({ session, revision }) => registry.get(session.cluster.id) === session && session.isOpen && revision > session.carriedRevision,
    );
    await Promise.all(
      stillBehind.map(({ session }) =>
        session
          .refresh()
          .catch((error: unknown) => log.warn({ err: error, cluster: session.cluster.name }, 'sending a newer TargetSet failed')),
      ),
    );
  }

  /**
   * Waits for this replica's placement passes in flight, then a grace for other replicas'
   * signals: both bounded, both cut short on stop.
   */
  private async announcementsHeard(): Promise<void> {
    const passesDone = new AbortController();
    try {
      await Promise.race([
        this.context.placementSettled(),
        sleep(PLACEMENT_WAIT_MS, undefined, { signal: AbortSignal.any([this.stopped.signal, passesDone.signal]) }),
      ]);
      passesDone.abort();
      await sleep(ANNOUNCEMENT_GRACE_MS, undefined, { signal: this.stopped.signal });
    } catch {
      // Stopping: the check ends here.
    } finally {
      passesDone.abort();
    }
  }
}
