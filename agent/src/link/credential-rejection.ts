import type { Metadata, StatusObject } from '@grpc/grpc-js';
import { CredentialRejection as ProtoRejection } from '#proto';

/**
 * Why the hub refused the credential, when the refusal means the credential is gone for good
 * (docs/protocol.md): the cluster was revoked, its credential rotated, or the hub does not
 * know the cluster at all.
 */
export type CredentialRejection = 'revoked' | 'rotated' | 'unknown';

/** The trailer in which the hub names a CredentialRejection (gitfleet.proto). */
export const CREDENTIAL_REJECTION_TRAILER = 'gitfleet-credential-rejection';

const REJECTIONS: Partial<Record<string, CredentialRejection>> = {
  [ProtoRejection[ProtoRejection.CREDENTIAL_REJECTION_REVOKED]]: 'revoked',
  [ProtoRejection[ProtoRejection.CREDENTIAL_REJECTION_ROTATED]]: 'rotated',
  [ProtoRejection[ProtoRejection.CREDENTIAL_REJECTION_UNKNOWN_CLUSTER]]: 'unknown',
};

/**
 * Whether an UNAUTHENTICATED status refuses the credential for good: the typed rejection the hub
 * sends in its trailer, or, from hubs that predate it, the known beginnings of its details.
 */
export function credentialRejection(status: Pick<StatusObject, 'details'> & { metadata?: Metadata }): CredentialRejection | undefined {
  const named = status.metadata?.get(CREDENTIAL_REJECTION_TRAILER)[0];
  if (named !== undefined) return REJECTIONS[named.toString()];
  const details = status.details;
  // A revoked client certificate: the operator distrusts this agent's key, as for a revoked cluster.
  if (details.startsWith('revoked') || details.startsWith('client certificate revoked')) return 'revoked';
  // AGENT_AUTH=mtls and no valid certificate (expired, or never had one): register again with a CSR.
  if (details.startsWith('credential rotated') || details.startsWith('client certificate required')) return 'rotated';
  if (details.startsWith('unknown cluster')) return 'unknown';
  return undefined;
}
