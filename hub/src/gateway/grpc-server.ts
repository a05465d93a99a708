import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { experimental, Server, ServerCredentials } from '@grpc/grpc-js';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { gatewayService } from './hub-message-encoding';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { LOGGER, type Logger } from '../logging/logger';
import { ClientCertificatesService } from '../clusters/client-certificates.service';
import { FleetGateway } from './fleet-gateway.service';

/** docs/protocol.md "Limits". */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 5_000;

/** Owns the grpc-js Server: binds on bootstrap, drains sessions and shuts down before the database closes. */
@Injectable()
export class GrpcServer implements OnApplicationBootstrap, OnModuleDestroy {
  private server: Server | undefined;
  private listener: NetServer | undefined;
  private boundAddress: string | undefined;
  private readonly log: Logger;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly gateway: FleetGateway,
    @Inject(LOGGER) logger: Logger,
    private readonly certificates: ClientCertificatesService,
  ) {
    this.log = logger.child({ module: 'gateway' });
  }

  /** host:port once bound. */
  get address(): string | undefined {
    return this.boundAddress;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = new Server({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      // Channelz keeps per-connection and per-call tracking the hub never reads: at 10,000
      // agents that is memory and CPU on every call.
      'grpc.enable_channelz': 0,
    });
    server.addService(gatewayService, this.gateway.handlers());
    const tls = this.tlsCredentials();
    // The hub listens itself and hands each connection to grpc-js: bindAsync takes no listen
    // backlog, and Node's default (511) overflowed in reconnect storms of 10,000 agents.
    const injector = server.createConnectionInjector(tls ?? ServerCredentials.createInsecure());
    const listener = createServer((socket) => injector.injectConnection(socket));
    const { grpcHost: host, grpcPort, grpcListenBacklog: backlog } = this.config;
    const port = await new Promise<number>((resolve, reject) => {
      listener.once('error', (error) => reject(new Error(`GRPC_PORT: cannot listen on ${host}:${grpcPort}: ${error.message}`)));
      listener.listen({ host, port: grpcPort, backlog }, () => resolve((listener.address() as AddressInfo).port));
    });
    listener.on('error', (error) => this.log.error({ err: error }, 'the gRPC listener failed'));
    this.server = server;
    this.listener = listener;
    this.boundAddress = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.log.info({ address: this.boundAddress, tls: tls !== undefined, agentAuth: this.config.agentAuth }, 'gRPC listening');
  }

  /**
   * TLS from GRPC_TLS_CERT_FILE / GRPC_TLS_KEY_FILE (read once at start: restart to rotate),
   * or undefined for plaintext — fine on loopback, or behind a proxy that terminates TLS.
   * Unless AGENT_AUTH=bearer, the server asks agents for a client certificate of the hub's CA
   * without requiring one at the handshake: the gateway decides per call (AgentAuthenticator),
   * so a refused agent learns why instead of seeing a failed handshake.
   */
  private tlsCredentials(): ServerCredentials | undefined {
    const { grpcTlsCertFile: certFile, grpcTlsKeyFile: keyFile } = this.config;
    if (certFile === undefined || keyFile === undefined) return undefined;
    const read = (file: string, variable: string, label: RegExp, what: string): Buffer => {
      let pem: Buffer;
      try {
        pem = readFileSync(file);
      } catch (error) {
        throw new Error(`${variable}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      // The content itself never goes into an error: it may be a private key.
      if (!label.test(pem.toString('latin1'))) throw new Error(`${variable}: ${file} holds no PEM ${what}`);
      return pem;
    };
    const cert = read(certFile, 'GRPC_TLS_CERT_FILE', /-----BEGIN CERTIFICATE-----/, 'certificate');
    const key = read(keyFile, 'GRPC_TLS_KEY_FILE', /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key');
    if (this.config.agentAuth === 'bearer') return ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false);
    const caCertificate = Buffer.from(this.certificates.ca.cert);
    // One fixed provider for both roles: grpc-js asks it for the CA and for the server's identity.
    // Answered in a microtask: grpc-js registers its watcher only after adding the listeners,
    // so a synchronous answer would be lost and every handshake dropped.
    const provider: experimental.CertificateProvider = {
      addCaCertificateListener: (listener) => queueMicrotask(() => listener({ caCertificate })),
      removeCaCertificateListener: () => undefined,
      addIdentityCertificateListener: (listener) => queueMicrotask(() => listener({ certificate: cert, privateKey: key })),
      removeIdentityCertificateListener: () => undefined,
    };
    return experimental.createCertificateProviderServerCredentials(provider, provider, false);
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.boundAddress = undefined;
    // No new connections; those open are drained below.
    this.listener?.close();
    this.listener = undefined;
    const shutdown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await this.gateway.sessions.closeAll('the hub is shutting down');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), SHUTDOWN_GRACE_MS);
    });
    if (await Promise.race([shutdown.then(() => false), timedOut])) server.forceShutdown();
    clearTimeout(timer);
    this.log.info('gRPC stopped');
  }
}
