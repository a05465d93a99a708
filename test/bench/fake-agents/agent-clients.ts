/**
 * The two clients a fake agent can speak gitfleet.v1 with (BENCH_AGENT_CLIENT):
 *   h2       node:http2 and the generated messages (h2-grpc.ts), the default: as little CPU per
 *            agent as a connection of its own allows, so that the hub gets the machine it shares
 *   grpc-js  the client library the real agent uses (agent/src/link), to check the hub against
 *            it at scale; at 10,000 agents it took as much CPU as the hub (bench/scale.ts)
 */
import { isIPv4 } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  AgentMessage,
  ArtifactChunk,
  FetchArtifactRequest,
  FleetClient,
  FleetService,
  HubMessage,
  RegisterRequest,
  RegisterResponse,
} from '#proto';
import { RETRY_AFTER_METADATA } from '#core';
import { MAX_MESSAGE_BYTES } from '../../../agent/src/link/fleet-client';
import { H2Connection, type CallStatus } from './h2-grpc';

export type AgentClientKind = 'h2' | 'grpc-js';

export function agentClientKind(value: string | undefined): AgentClientKind {
  if (value === undefined || value === '' || value === 'h2') return 'h2';
  if (value === 'grpc-js') return 'grpc-js';
  throw new Error(`BENCH_AGENT_CLIENT must be h2 or grpc-js, not ${value}`);
}

/** How a Connect call ended. */
export interface CallEnd {
  code: grpc.status;
  details: string;
  /** A busy hub's retry hint (RESOURCE_EXHAUSTED), as sent. */
  retryAfter: string | undefined;
}

export interface ConnectCall {
  write(message: AgentMessage): void;
  cancel(): void;
  /** False once the call has ended. */
  readonly open: boolean;
}

export interface AgentClient {
  register(request: RegisterRequest): Promise<RegisterResponse>;
  /** A Connect stream; `ended` is called once, with its status. */
  connect(credential: string, received: (message: HubMessage) => void, ended: (end: CallEnd) => void): ConnectCall;
  /** Resolves once the artifact's last chunk came, rejects with the call's status otherwise. */
  fetchArtifact(digest: string, credential: string, chunk: (chunk: ArtifactChunk) => void): Promise<void>;
  /** Drops the connection (and with it any call on it). */
  close(): void;
}

export function newAgentClient(kind: AgentClientKind, address: string): AgentClient {
  return kind === 'h2' ? new H2AgentClient(address) : new GrpcJsAgentClient(address);
}

class H2AgentClient implements AgentClient {
  private readonly connection: H2Connection;

  constructor(address: string) {
    this.connection = new H2Connection(address);
  }

  register(request: RegisterRequest): Promise<RegisterResponse> {
    return new Promise((resolve, reject) => {
      const call = this.connection.call(FleetService.register.path, {});
      let answer: RegisterResponse | undefined;
      call.on('message', (bytes) => (answer = RegisterResponse.decode(bytes)));
      call.on('status', (status) => (status.code === grpc.status.OK && answer !== undefined ? resolve(answer) : reject(callError(status))));
      call.write(RegisterRequest.encode(request).finish());
      call.end();
    });
  }

  connect(credential: string, received: (message: HubMessage) => void, ended: (end: CallEnd) => void): ConnectCall {
    const call = this.connection.call(FleetService.connect.path, { authorization: `Bearer ${credential}` });
    call.on('message', (bytes) => received(HubMessage.decode(bytes)));
    call.on('status', (status) =>
      ended({ code: status.code, details: status.details, retryAfter: headerValue(status, RETRY_AFTER_METADATA) }),
    );
    return {
      write: (message) => call.write(AgentMessage.encode(message).finish()),
      cancel: () => call.cancel(),
      get open() {
        return call.open;
      },
    };
  }

  fetchArtifact(digest: string, credential: string, chunk: (chunk: ArtifactChunk) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.connection.call(FleetService.fetchArtifact.path, { authorization: `Bearer ${credential}` });
      call.on('message', (bytes) => chunk(ArtifactChunk.decode(bytes)));
      call.on('status', (status) => (status.code === grpc.status.OK ? resolve() : reject(callError(status))));
      call.write(FetchArtifactRequest.encode({ digest }).finish());
      call.end();
    });
  }

  close(): void {
    this.connection.close();
  }
}

function headerValue(status: CallStatus, name: string): string | undefined {
  const value = status.metadata[name];
  return Array.isArray(value) ? value[0] : value;
}

function callError(status: CallStatus): Error {
  return new Error(`${grpc.status[status.code]}: ${status.details}`);
}

class GrpcJsAgentClient implements AgentClient {
  private readonly client: FleetClient;

  constructor(address: string) {
    // An address of an IP is given to grpc-js as one (its ipv4 scheme): with the default (dns)
    // scheme every channel makes a c-ares resolver, which it never asks about an IP. A cold start
    // of 10,000 agents showed 5.7 s of the generators' CPU in those constructors; 2,000 channels
    // alone, 0.13 ms each with the dns scheme and 0.06 ms with ipv4.
    const host = address.slice(0, address.lastIndexOf(':'));
    const target = isIPv4(host) ? `ipv4:${address}` : address;
    this.client = new FleetClient(target, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      // As the real agent (agent/src/link/fleet-client.ts).
      'grpc.enable_channelz': 0,
    });
  }

  register(request: RegisterRequest): Promise<RegisterResponse> {
    return new Promise((resolve, reject) =>
      this.client.register(request, (error, response) => (error ? reject(error) : resolve(response))),
    );
  }

  connect(credential: string, received: (message: HubMessage) => void, ended: (end: CallEnd) => void): ConnectCall {
    const call = this.client.connect(bearer(credential));
    let over = false;
    call.on('data', received);
    call.on('error', () => undefined);
    call.on('status', (status: grpc.StatusObject) => {
      over = true;
      ended({ code: status.code, details: status.details, retryAfter: status.metadata.get(RETRY_AFTER_METADATA)[0]?.toString() });
    });
    const open = () => !over && !call.writableEnded;
    return {
      write: (message) => {
        if (open()) call.write(message);
      },
      cancel: () => call.cancel(),
      get open() {
        return open();
      },
    };
  }

  fetchArtifact(digest: string, credential: string, chunk: (chunk: ArtifactChunk) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.fetchArtifact({ digest }, bearer(credential));
      call.on('data', chunk);
      call.on('error', reject);
      call.on('end', resolve);
    });
  }

  close(): void {
    this.client.close();
  }
}

function bearer(credential: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}
