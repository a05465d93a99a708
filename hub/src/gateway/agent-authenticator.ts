import type { Metadata } from '@grpc/grpc-js';
import type { AgentAuthMode } from '../config/hub-config';
import type { ClientCertificatesService } from '../clusters/client-certificates.service';
import type { AuthenticatedCluster, ClustersService } from '../clusters/clusters.service';
import { bearerCredential } from '../clusters/credential';

/** What authenticating a call needs of it: its metadata and its TLS peer. */
export interface AuthenticatableCall {
  metadata: Metadata;
  /** grpc-js sets sslPeerCertificate only for a certificate TLS verified against the server's CA. */
  getAuthContext(): { sslPeerCertificate?: { raw?: Buffer } };
}

/** The cluster a call is from, or the details of the UNAUTHENTICATED status it gets. */
export type AgentAuthentication = { cluster: AuthenticatedCluster; refused?: undefined } | { refused: string; cluster?: undefined };

export const CERTIFICATE_REQUIRED_DETAILS =
  'client certificate required (AGENT_AUTH=mtls): none was presented, or it is expired or not issued by this hub CA; register again with a bootstrap token and a CSR';

/**
 * docs/security.md "Agent authentication": one place that decides who an agent's call is
 * from, for Connect, FetchArtifact and RenewCertificate. A client certificate TLS verified
 * against the hub's CA names the cluster, if this hub issued it to that cluster and it is not
 * revoked; a presented certificate that is refused is never overridden by a bearer credential
 * in the same call. Without a certificate, the bearer credential counts where AGENT_AUTH allows it.
 */
export class AgentAuthenticator {
  constructor(
    private readonly mode: AgentAuthMode,
    private readonly clusters: ClustersService,
    private readonly certificates: ClientCertificatesService,
  ) {}

  /** Throws only when the database cannot answer (UNAVAILABLE, retry). */
  async authenticate(call: AuthenticatableCall): Promise<AgentAuthentication> {
    const peer = this.mode === 'bearer' ? undefined : call.getAuthContext().sslPeerCertificate;
    if (peer?.raw !== undefined) {
      const identity = await this.certificates.identify(peer.raw);
      if (identity.refused !== undefined) return { refused: identity.refused };
      const { id, name, serial, notAfter, targetSet } = identity.cluster;
      return { cluster: { id, name, credentialHash: '', certificateSerial: serial, certificateNotAfter: notAfter, targetSet } };
    }
    if (this.mode === 'mtls') return { refused: CERTIFICATE_REQUIRED_DETAILS };
    const credential = bearerCredential(call.metadata.get('authorization')[0]?.toString());
    const cluster = await this.clusters.authenticate(credential);
    if (cluster !== null) return { cluster };
    return { refused: await this.clusters.refusalReason(credential).catch(() => 'invalid credential') };
  }
}
