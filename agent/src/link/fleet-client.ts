import { credentials, Metadata } from '@grpc/grpc-js';
import { FleetClient } from '#proto';

/** docs/protocol.md "Limits": both sides refuse messages over 4 MiB. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** A client for the hub's Fleet service. Insecure for now; TLS comes with a later issue. */
export function createFleetClient(hubAddress: string): FleetClient {
  return new FleetClient(hubAddress, credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
}

/** Per-call authentication of Connect: `authorization: Bearer <cluster-id>.<secret>`. */
export function bearerMetadata(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}
