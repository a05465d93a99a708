import { credentials, Metadata } from '@grpc/grpc-js';
import { FleetClient } from '#proto';

/** docs/protocol.md "Limits": both sides refuse messages over 4 MiB. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * A client for the hub's Fleet service: over TLS when `tls` is given (the hub's certificate
 * checked against `caPem`, or the system's roots, for `serverName` or the address's host),
 * plaintext otherwise.
 */
export function createFleetClient(hubAddress: string, tls?: { caPem?: string; serverName?: string }): FleetClient {
  const channel =
    tls === undefined ? credentials.createInsecure() : credentials.createSsl(tls.caPem === undefined ? null : Buffer.from(tls.caPem));
  return new FleetClient(hubAddress, channel, {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    ...(tls?.serverName === undefined ? {} : { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName }),
  });
}

/** Per-call authentication of Connect: `authorization: Bearer <cluster-id>.<secret>`. */
export function bearerMetadata(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}
