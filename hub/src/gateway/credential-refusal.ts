import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { CredentialRejection } from '#proto';
import { CERTIFICATE_REVOKED_DETAILS } from '../clusters/client-certificates.service';
import { REVOKED_DETAILS, ROTATED_DETAILS, UNKNOWN_CLUSTER_DETAILS } from '../clusters/credential';
import { CERTIFICATE_REQUIRED_DETAILS } from './agent-authenticator';

/** The trailer that names a CredentialRejection (docs/protocol.md "Authentication"). */
export const CREDENTIAL_REJECTION_TRAILER = 'gitfleet-credential-rejection';

/** The refusals that mean the credential is gone for good, and what the agent should do. */
const FOR_GOOD = new Map<string, CredentialRejection>([
  [REVOKED_DETAILS, CredentialRejection.CREDENTIAL_REJECTION_REVOKED],
  [CERTIFICATE_REVOKED_DETAILS, CredentialRejection.CREDENTIAL_REJECTION_REVOKED],
  [ROTATED_DETAILS, CredentialRejection.CREDENTIAL_REJECTION_ROTATED],
  [CERTIFICATE_REQUIRED_DETAILS, CredentialRejection.CREDENTIAL_REJECTION_ROTATED],
  [UNKNOWN_CLUSTER_DETAILS, CredentialRejection.CREDENTIAL_REJECTION_UNKNOWN_CLUSTER],
]);

/**
 * The UNAUTHENTICATED status of a refused call: `details` for people, and for a refusal for
 * good the typed rejection in its trailer, which agents act on.
 */
export function unauthenticated(details: string): StatusObject {
  const metadata = new Metadata();
  const rejection = FOR_GOOD.get(details);
  if (rejection !== undefined) metadata.set(CREDENTIAL_REJECTION_TRAILER, CredentialRejection[rejection]);
  return { code: GrpcStatus.UNAUTHENTICATED, details, metadata };
}
