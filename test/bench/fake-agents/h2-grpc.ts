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

/** How a call ended: its gRPC status, details and trailers (or the answer's headers, when trailers-only). */
export interface CallStatus {
  code: GrpcStatus;
  details: string;
  metadata: IncomingHttpHeaders;
}

/** One HTTP/2 connection to the hub; a new one is made by the next call once it has closed. */
export class H2Connection {
  private session: ClientHttp2Session | undefined;

  constructor(private readonly address: string) {}

  call(path: string, headers: Record<string, string>): H2Call {
    if (this.session === undefined || this.session.closed || this.session.destroyed) {
      this.session = connect(`http://${this.address}`);
      // A refused or reset connection ends each of its calls (UNAVAILABLE): nothing else to do here.
      this.session.on('error', () => undefined);
    }
    return new H2Call(this.session, path, headers);
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
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  private cancelled = false;

  constructor(session: ClientHttp2Session, path: string, headers: Record<string, string>) {
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
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + length) return;
      if (this.pending[0] !== 0) {
        // Nothing here asked for compression, so a compressed message is the hub's mistake.
        this.finish({ 'grpc-status': String(GrpcStatus.INTERNAL), 'grpc-message': 'a compressed message that was not asked for' });
        this.cancel();
        return;
      }
      const message = this.pending.subarray(5, 5 + length);
      this.pending = this.pending.subarray(5 + length);
      this.emit('message', message);
    }
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
