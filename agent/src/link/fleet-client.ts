import { credentials, Metadata } from '@grpc/grpc-js';
import { FleetClient } from '#proto';

/** docs/protocol.md "Limits": both sides refuse messages over 4 MiB. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export interface HubTls {
  caPem?: string;
  serverName?: string;
}

/** A client certificate and its key (PEM), presented in the TLS handshake. */
export interface ClientCertificate {
  key: string;
  cert: string;
}

/**
 * A client for the hub's Fleet service: over TLS when `tls` is given (the hub's certificate
 * checked against `caPem`, or the system's roots, for `serverName` or the address's host),
 * presenting `certificate` when given (mutual TLS); plaintext otherwise.
 */
export function createFleetClient(hubAddress: string, tls?: HubTls, certificate?: ClientCertificate): FleetClient {
  const channel =
    tls === undefined
      ? credentials.createInsecure()
      : credentials.createSsl(
          tls.caPem === undefined ? null : Buffer.from(tls.caPem),
          certificate === undefined ? null : Buffer.from(certificate.key),
          certificate === undefined ? null : Buffer.from(certificate.cert),
        );
  return new FleetClient(hubAddress, channel, {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // Nothing reads channelz in an agent; left on, every call and message is counted for it.
    'grpc.enable_channelz': 0,
    ...(tls?.serverName === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName }),
  });
}

/** Per-call authentication of Connect: `authorization: Bearer <cluster-id>.<secret>`. */
export function bearerMetadata(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}

/**
 * The agent's clients of one hub: one without a client certificate (registration, and every
 * call when the link is plaintext), and one for the current client certificate, made anew when
 * the certificate changes. The previous one stays open until the next change or close, so a
 * stream on it is not cut by a renewal.
 */
export class HubChannel {
  private plainClient: FleetClient;
  private current: { certificate: ClientCertificate; client: FleetClient } | undefined;
  private previous: FleetClient | undefined;

  constructor(
    private readonly hubAddress: string,
    private readonly tls: HubTls | undefined,
  ) {
    this.plainClient = createFleetClient(hubAddress, tls);
  }

  /** The client without a client certificate (a new one after redial). */
  get plain(): FleetClient {
    return this.plainClient;
  }

  /** The client to call as: with `certificate` when there is one and the link is TLS. */
  clientFor(certificate: ClientCertificate | undefined): FleetClient {
    if (certificate === undefined || this.tls === undefined) return this.plainClient;
    if (this.current?.certificate.cert !== certificate.cert) {
      this.previous?.close();
      this.previous = this.current?.client;
      this.current = { certificate, client: createFleetClient(this.hubAddress, this.tls, certificate) };
    }
    return this.current.client;
  }

  /**
   * New channels after a connection to the hub failed, so that the next call dials at once. A
   * grpc-js channel whose connection failed quickly (reset, refused) fails every call at once
   * until its own reconnect backoff ends, and that backoff grows to 120 s: in a fleet-wide
   * restart it kept agents away from a hub that was accepting again long before, whatever the
   * agent's own backoff and the hub's retry hints said.
   */
  redial(): void {
    const old = [this.plainClient, this.current?.client, this.previous];
    this.plainClient = createFleetClient(this.hubAddress, this.tls);
    if (this.current !== undefined) {
      const certificate = this.current.certificate;
      this.current = { certificate, client: createFleetClient(this.hubAddress, this.tls, certificate) };
    }
    this.previous = undefined;
    for (const client of old) client?.close();
  }

  close(): void {
    this.plainClient.close();
    this.current?.client.close();
    this.previous?.close();
  }
}
