import { status as GrpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import { ARTIFACT_DIGEST } from '#core';
import type { ArtifactChunk, FetchArtifactRequest } from '#proto';
import type { NewAuditEntry } from '../audit/audit.service';
import type { AgentAuthentication, AuthenticatableCall } from './agent-authenticator';
import type { Logger } from '../logging/logger';
import type { CurrentTargetSet } from '../placement/placement.service';
import { unauthenticated } from './credential-refusal';

export type ArtifactCall = ServerWritableStream<FetchArtifactRequest, ArtifactChunk>;

/** Bytes per ArtifactChunk: small next to the 4 MiB message limit, large enough to cost little per message. */
export const ARTIFACT_CHUNK_BYTES = 64 * 1024;

const ROUTE = '/gitfleet.v1.Fleet/FetchArtifact';

/** What serving an artifact needs from the rest of the hub. */
export interface ArtifactServerContext {
  authenticate(call: AuthenticatableCall): Promise<AgentAuthentication>;
  currentTargetSet(clusterId: string): Promise<CurrentTargetSet | null>;
  read(digest: string): Promise<Buffer | undefined>;
  audit(entry: NewAuditEntry): void;
  log: Logger;
}

/**
 * FetchArtifact: an authenticated cluster gets the artifact of a target of its own current
 * TargetSet, as its gzip stream in chunks, written as fast as the agent reads (HTTP/2 flow
 * control on a stream of its own, beside the agent's Connect). Any other digest is refused
 * with PERMISSION_DENIED and the refusal goes into the audit log: a cluster has no business
 * with sources it was not given.
 */
export class ArtifactServer {
  constructor(private readonly context: ArtifactServerContext) {}

  async serve(call: ArtifactCall): Promise<void> {
    let auth: AgentAuthentication;
    try {
      auth = await this.context.authenticate(call);
    } catch (error) {
      this.context.log.error({ err: error }, 'authenticating an artifact fetch failed');
      return fail(call, GrpcStatus.UNAVAILABLE, 'authentication unavailable; retry');
    }
    if (auth.refused !== undefined) {
      call.emit('error', unauthenticated(auth.refused));
      return;
    }
    const cluster = auth.cluster;
    const digest = call.request.digest;
    const log = this.context.log.child({ cluster: cluster.name, clusterId: cluster.id });
    const current = await this.context.currentTargetSet(cluster.id);
    if (!ARTIFACT_DIGEST.test(digest) || !current?.targets.some((t) => t.artifact?.digest === digest)) {
      log.warn({ digest: digest.slice(0, 80) }, "artifact fetch refused: not in the cluster's TargetSet");
      this.context.audit({
        at: new Date(),
        actor: { tokenId: `cluster:${cluster.id}`, name: cluster.name },
        method: 'GRPC',
        route: ROUTE,
        path: ROUTE,
        target: digest.slice(0, 80),
        status: 403,
      });
      return fail(call, GrpcStatus.PERMISSION_DENIED, "artifact not in this cluster's TargetSet");
    }
    const data = await this.context.read(digest);
    if (data === undefined) return fail(call, GrpcStatus.NOT_FOUND, `artifact ${digest} is not stored; retry once the hub has packed it`);
    for (let offset = 0; offset < data.length; offset += ARTIFACT_CHUNK_BYTES) {
      if (call.cancelled) return;
      if (!call.write({ data: data.subarray(offset, offset + ARTIFACT_CHUNK_BYTES) })) await writable(call);
    }
    call.end();
    log.debug({ digest, bytes: data.length }, 'artifact served');
  }
}

/** Resolves when the call can take more, or is gone. */
function writable(call: ArtifactCall): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

function fail(call: ArtifactCall, code: GrpcStatus, details: string): void {
  call.emit('error', { code, details });
}
