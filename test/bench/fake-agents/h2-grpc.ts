/**
 * gRPC calls over node:http2 for the fake agents (BENCH_AGENT_CLIENT=h2, the default): a
 * message is a 5-byte prefix and its protobuf bytes, the call's status comes in trailers (or in a
 * trailers-only answer). That is all the wire needs; what grpc-js adds on top — channels,
 * resolvers, load balancing, retries, interceptors, a Duplex stream per call — is what a real
 * agent needs and a load generator does not. With grpc-js the 10,000 fake agents took more CPU
 * than the hub they measured, on the same cores (bench/scale.ts). Each agent still has a TCP
 * connection and an HTTP/2 session of its own, and the messages are the generated ones.
 */
import { EventEmitter } from 'node:events';
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { MAX_MESSAGE_BYTES } from '../../../agent/src/link/fleet-client';

/** How a call ended: its gRPC status, details and trailers (or the answer's headers, when trailers-only). */
export interface CallStatus {
  code: GrpcStatus;
  details: string;
  metadata: IncomingHttpHeaders;
}

/** One HTTP/2 connection to the hub; a new one is made by the next call once it has closed. */
export class H2Connection {
  private session: ClientHttp2Session | undefined;

  constructor(
    private readonly address: string,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {}

  call(path: string, headers: Record<string, string>): H2Call {
    if (this.session === undefined || this.session.closed || this.session.destroyed) {
      this.session = connect(`http://${this.address}`);
      // A refused or reset connection ends each of its calls (UNAVAILABLE): nothing else to do here.
      this.session.on('error', () => undefined);
    }
    return new H2Call(this.session, path, headers, this.maxMessageBytes);
  }

  /** Drops the connection at once, as a process that exits does. */
  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}

/** One gRPC call: messages out with write(), in as 'message' events; one 'status' event at its end. */
export class H2Call extends EventEmitter<{ message: [Buffer]; status: [CallStatus] }> {
  private readonly stream: ClientHttp2Stream;
  /** Bytes received and not yet made into messages, as they came (joined once a message is whole). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private cancelled = false;

  constructor(
    session: ClientHttp2Session,
    path: string,
    headers: Record<string, string>,
    /** As the real agent: a larger message ends the call, refused from its prefix before its body is read. */
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {
    super();
    this.stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc+proto',
      te: 'trailers',
      'user-agent': 'gitfleet-fake-agent',
      ...headers,
    });
    // A trailers-only answer (a refusal before any message) carries the status in its headers.
    this.stream.on('response', (answer) => {
      if (answer['grpc-status'] !== undefined) this.finish(answer);
    });
    this.stream.on('data', (chunk: Buffer) => this.receive(chunk));
    this.stream.on('trailers', (trailers) => this.finish(trailers));
    this.stream.on('error', () => undefined);
    this.stream.on('close', () => this.finish(undefined));
  }

  /** False once the call has ended or its sending side was closed. */
  get open(): boolean {
    return !this.ended && !this.stream.writableEnded && !this.stream.destroyed;
  }

  write(message: Uint8Array): void {
    if (!this.open) return;
    const frame = Buffer.allocUnsafe(5 + message.length);
    frame[0] = 0;
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);
    this.stream.write(frame);
  }

  /** No more messages from this side (a unary or server-streaming call's request is complete). */
  end(): void {
    if (this.open) this.stream.end();
  }

  cancel(): void {
    if (this.ended) return;
    this.cancelled = true;
    this.stream.close(constants.NGHTTP2_CANCEL);
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 5) {
      const head = this.pending[0].length >= 5 ? this.pending[0] : this.joined();
      const length = head.readUInt32BE(1);
      if (head[0] !== 0) return this.refuse(GrpcStatus.INTERNAL, 'a compressed message that was not asked for');
      if (length > this.maxMessageBytes)
        return this.refuse(GrpcStatus.RESOURCE_EXHAUSTED, `a message of ${length} bytes, over the limit of ${this.maxMessageBytes}`);
      if (this.pendingBytes < 5 + length) return;
      const all = this.joined();
      this.emit('message', all.subarray(5, 5 + length));
      const rest = all.subarray(5 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
  }

  /** The pending bytes as one buffer (kept so). */
  private joined(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return this.pending[0];
  }

  /** Ends the call from this side with a status of its own. */
  private refuse(code: GrpcStatus, details: string): void {
    this.finish({ 'grpc-status': String(code), 'grpc-message': details });
    this.pending = [];
    this.pendingBytes = 0;
    this.stream.close(constants.NGHTTP2_CANCEL);
  }

  private finish(headers: IncomingHttpHeaders | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (headers === undefined) {
      // Closed without a status: the connection went away (or this side cancelled).
      const code = this.cancelled ? GrpcStatus.CANCELLED : GrpcStatus.UNAVAILABLE;
      this.emit('status', { code, details: this.cancelled ? 'cancelled' : 'the stream closed without a status', metadata: {} });
      return;
    }
    const code = Number(headers['grpc-status']);
    const message = headers['grpc-message'];
    this.emit('status', {
      code: Number.isInteger(code) ? (code as GrpcStatus) : GrpcStatus.UNKNOWN,
      details: typeof message === 'string' ? safeDecode(message) : '',
      metadata: headers,
    });
  }
}

/** grpc-message is percent-encoded. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
