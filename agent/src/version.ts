import { POLICY_CAPABILITY, STATUS_ACKS_CAPABILITY, TARGET_SET_DELTAS_CAPABILITY } from '#core';

/** Reported to the hub in Register and Hello. */
export const AGENT_VERSION = '0.1.0';

/** Fetches source artifacts from the hub (FetchArtifact) instead of cloning Git (docs/protocol.md "Artifacts"). */
export const ARTIFACTS_CAPABILITY = 'artifacts/v1';

/** Sends a CSR in Register and renews its client certificate (RenewCertificate) before it expires (docs/security.md). */
export const MTLS_CAPABILITY = 'mtls/v1';

/** What this agent can do, announced in Hello so that a newer hub can adapt. */
export const AGENT_CAPABILITIES: readonly string[] = [
  'source.raw-yaml',
  'apply.server-side',
  ARTIFACTS_CAPABILITY,
  MTLS_CAPABILITY,
  POLICY_CAPABILITY,
  STATUS_ACKS_CAPABILITY,
  TARGET_SET_DELTAS_CAPABILITY,
];
