import { createServerCertificate, type KeyAndCertificate } from '#core';

/**
 * A self-signed TLS certificate for 127.0.0.1/localhost.
 * Why: kubectl (client-go) only sends a bearer token over TLS, so the simulator also
 * speaks https on its port, with `insecure-skip-tls-verify` in the kubeconfig.
 */
export type TlsIdentity = KeyAndCertificate;

const TEN_YEARS_MS = 10 * 365 * 24 * 3600_000;

export function createSelfSignedCertificate(commonNameText = 'gitfleet-sim'): TlsIdentity {
  return createServerCertificate(commonNameText, { dns: ['localhost'], ip: ['127.0.0.1'] }, TEN_YEARS_MS);
}
