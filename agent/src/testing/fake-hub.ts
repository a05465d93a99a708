import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import {
  FleetService,
  type AgentMessage,
  type FleetServer,
  type HubMessage,
  type RegisterRequest,
  type RegisterResponse,
  type RenewCertificateRequest,
  type RenewCertificateResponse,
} from '#proto';

export type HubCall = ServerDuplexStream<AgentMessage, HubMessage>;
export type RegisterAnswer = Omit<RegisterResponse, 'clientCertificate' | 'caCertificate'> & Partial<RegisterResponse>;

export interface HubStream {
  metadata: Metadata;
  received: AgentMessage[];
  call: HubCall;
  openedAt: number;
}

/**
 * A fake hub for tests: a real grpc-js server on loopback implementing the Fleet service,
 * recording every call and letting the test script the hub's side.
 */
export class FakeHub {
  readonly streams: HubStream[] = [];
  readonly registrations: RegisterRequest[] = [];
  onConnect: (call: HubCall, index: number) => void = () => {};
  /** Certificate fields left out answer '' (a hub that issued none). */
  onRegister: (request: RegisterRequest) => RegisterAnswer | { code: status; details: string } = () => ({
    code: status.UNIMPLEMENTED,
    details: 'register not scripted',
  });
  /** RenewCertificate's answer; unscripted, UNIMPLEMENTED (a hub that predates mutual TLS). */
  onRenew: (request: RenewCertificateRequest, metadata: Metadata) => RenewCertificateResponse | { code: status; details: string } = () => ({
    code: status.UNIMPLEMENTED,
    details: 'renewCertificate not scripted',
  });
  /** Artifacts the fake serves by digest (gzip streams), and every FetchArtifact asked. */
  readonly artifacts = new Map<string, Buffer>();
  readonly artifactFetches: { digest: string; metadata: Metadata }[] = [];
  address = '';
  private readonly server = new Server();

  /** Listens on 127.0.0.1:`listenPort` (any free port by default). */
  async start(listenPort = 0): Promise<void> {
    const implementation: FleetServer = {
      register: (call: ServerUnaryCall<RegisterRequest, RegisterResponse>, callback: sendUnaryData<RegisterResponse>) => {
        this.registrations.push(call.request);
        const answer = this.onRegister(call.request);
        if ('code' in answer) callback(answer);
        else callback(null, { clientCertificate: '', caCertificate: '', ...answer });
      },
      renewCertificate: (call, callback) => {
        const answer = this.onRenew(call.request, call.metadata);
        if ('code' in answer) callback(answer);
        else callback(null, answer);
      },
      connect: (call) => {
        const stream: HubStream = { metadata: call.metadata, received: [], call, openedAt: Date.now() };
        this.streams.push(stream);
        call.on('data', (message: AgentMessage) => stream.received.push(message));
        call.on('error', () => {});
        this.onConnect(call, this.streams.length - 1);
      },
      fetchArtifact: (call) => {
        this.artifactFetches.push({ digest: call.request.digest, metadata: call.metadata });
        const data = this.artifacts.get(call.request.digest);
        if (data === undefined) {
          call.emit('error', { code: status.PERMISSION_DENIED, details: "artifact not in this cluster's TargetSet" });
          return;
        }
        for (let offset = 0; offset < data.length; offset += 1000) call.write({ data: data.subarray(offset, offset + 1000) });
        call.end();
      },
    };
    this.server.addService(FleetService, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${listenPort}`, ServerCredentials.createInsecure(), (error, p) =>
        error ? reject(error) : resolve(p),
      ),
    );
    this.address = `127.0.0.1:${port}`;
  }

  /** Every message the agent sent, over all streams, in order. */
  allReceived(): AgentMessage[] {
    return this.streams.flatMap((stream) => stream.received);
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

/** Polls until `condition` holds. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A hub that writes a heartbeat on every stream this often (so that the agent keeps it open). */
export function heartbeatsEvery(ms: number): NonNullable<FakeHub['onConnect']> {
  return (call) => {
    const timer = setInterval(() => call.write({ kind: { $case: 'heartbeat', value: { sentAt: new Date().toISOString() } } }), ms);
    call.on('close', () => clearInterval(timer));
    call.on('cancelled', () => clearInterval(timer));
  };
}
