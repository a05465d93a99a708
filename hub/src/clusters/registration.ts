import { hasControlCharacters, isDns1123Label, isLabelKey, isLabelValue, storableText } from '#core';

export type RegistrationErrorCode = 'unauthenticated' | 'invalid_argument' | 'already_exists';

/** A refused registration; the gateway turns the code into a gRPC status. */
export class RegistrationError extends Error {
  constructor(
    readonly code: RegistrationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RegistrationRequest {
  bootstrapToken: string;
  clusterUid: string;
  name: string;
  labels: Record<string, string>;
  agentVersion: string;
  /** PKCS#10 PEM, or '' when the agent asks for no client certificate. */
  csr: string;
}

export interface Registration {
  clusterId: string;
  clusterName: string;
  /** Returned once, never stored. */
  credential: string;
  /** PEM, or '' without a CSR. */
  clientCertificate: string;
  caCertificate: string;
}

/** Checks what the agent asks for; the token is checked separately, first. */
export function validateRegistration(request: RegistrationRequest): void {
  if (request.clusterUid.trim() === '' || request.clusterUid.length > 253) {
    throw new RegistrationError('invalid_argument', 'cluster_uid is required');
  }
  // The kube-system namespace's UID: printable ASCII, never a control character or space.
  if (!/^[\x21-\x7e]+$/.test(request.clusterUid)) {
    throw new RegistrationError(
      'invalid_argument',
      `cluster_uid "${storableText(request.clusterUid, 80)}" holds characters a UID does not`,
    );
  }
  if (!isDns1123Label(request.name)) {
    throw new RegistrationError('invalid_argument', `name "${request.name.slice(0, 80)}" is not a DNS-1123 label`);
  }
  const entries = Object.entries(request.labels);
  if (entries.length > 64) throw new RegistrationError('invalid_argument', 'at most 64 labels');
  for (const [key, value] of entries) {
    if (!isLabelKey(key)) throw new RegistrationError('invalid_argument', `label key "${key.slice(0, 80)}" is not valid`);
    if (!isLabelValue(value)) throw new RegistrationError('invalid_argument', `label ${key}: value "${value.slice(0, 80)}" is not valid`);
  }
  if (request.agentVersion.length > 128) throw new RegistrationError('invalid_argument', 'agent_version is too long');
  if (hasControlCharacters(request.agentVersion)) throw new RegistrationError('invalid_argument', 'agent_version holds control characters');
}
