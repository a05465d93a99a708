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

/**
 * Bytes of artifact chunks handed to agents' streams and not yet written to their sockets, over
 * every fetch this hub serves at once. A stream took up to 16 chunks (1 MiB) before it pushed
 * back, so a fleet fetching together held its artifact about once per agent: 10,000 agents
 * fetching a 0.4 MB artifact took the hub to 1,052–1,074 MB (bench/artifact-serving.ts). Each
 * fetch now has one chunk out at a time, and all of them together this many bytes.
 */
export const ARTIFACT_BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * How long a chunk may wait for its agent to read it (HTTP/2 flow control) and still count
 * against ARTIFACT_BYTES_IN_FLIGHT. An agent that stops reading keeps its one chunk, but not its
 * share of the budget: agents that do not read cannot stop the hub serving those that do.
 */
export const ARTIFACT_STALL_MS = 10_000;

const ROUTE = '/gitfleet.v1.Fleet/FetchArtifact';

/**
 * A number of bytes shared by many writers: take() waits, first come first served, until what
 * is asked fits beside what others hold; give() returns it. One request larger than the whole
 * budget is let through alone, so that it cannot wait for ever.
 */
export class ByteBudget {
  private held = 0;
  private readonly waiting: { bytes: number; take: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Bytes taken and not given back. */
  get inUse(): number {
    return this.held;
  }

  async take(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.held += bytes;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push({ bytes, take: resolve }));
  }

  give(bytes: number): void {
    this.held -= bytes;
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.held += next.bytes;
      next.take();
    }
  }

  private fits(bytes: number): boolean {
    return this.held + bytes <= this.limit || this.held === 0;
  }
}

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
 * TargetSet, as its gzip stream in chunks, each written once the agent has read the one before
 * (HTTP/2 flow control on a stream of its own, beside the agent's Connect) and within the
 * hub-wide ARTIFACT_BYTES_IN_FLIGHT, so that a whole fleet fetching at once costs the hub a
 * bounded amount of memory, not an artifact per agent. Any other digest is refused
 * with PERMISSION_DENIED and the refusal goes into the audit log: a cluster has no business
 * with sources it was not given.
 */
export class ArtifactServer {
  private readonly budget: ByteBudget;
  private readonly stallMs: number;

  constructor(
    private readonly context: ArtifactServerContext,
    limits: { bytesInFlight?: number; stallMs?: number } = {},
  ) {
    this.budget = new ByteBudget(limits.bytesInFlight ?? ARTIFACT_BYTES_IN_FLIGHT);
    this.stallMs = limits.stallMs ?? ARTIFACT_STALL_MS;
  }

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
      const chunk = data.subarray(offset, offset + ARTIFACT_CHUNK_BYTES);
      await this.budget.take(chunk.length);
      let write: Promise<void>;
      try {
        if (call.cancelled || call.destroyed) return;
        write = written(call, chunk);
        await within(write, this.stallMs);
      } finally {
        this.budget.give(chunk.length);
      }
      // A stalled agent's chunk no longer counts against the budget; its next waits for it.
      await write;
    }
    if (call.cancelled || call.destroyed) return;
    call.end();
    log.debug({ digest, bytes: data.length }, 'artifact served');
  }
}

/** Writes one chunk; resolves once it is written to the connection, or the call is gone. */
function written(call: ArtifactCall, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('cancelled', done);
    call.on('close', done);
    call.write({ data }, done);
  });
}

/** Resolves when `promise` does or after `ms`, whichever is first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function fail(call: ArtifactCall, code: GrpcStatus, details: string): void {
  call.emit('error', { code, details });
}
