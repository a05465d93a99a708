import { BACKDATE_MS, issueCertificate, certificateFacts, type CertificateFacts, type KeyAndCertificate } from './certificates';
import { verifyCertificationRequest } from './certification-request';

export interface ClientCertificateRequest {
  /** PKCS#10 PEM; only its (verified) public key is used: the subject is the CA's to choose. */
  csr: string;
  commonName: string;
  uris: readonly string[];
  validityMs: number;
  now?: Date;
}

/** Signs a client certificate for the key a verified CSR holds; throws naming a bad CSR. */
export function issueClientCertificate(
  ca: KeyAndCertificate,
  request: ClientCertificateRequest,
): { cert: string; facts: CertificateFacts } {
  const { publicKey } = verifyCertificationRequest(request.csr);
  const now = request.now ?? new Date();
  // Backdated for clock skew, but by no more than a tenth of the lifetime: the agent renews at
  // 2/3 of notBefore→notAfter, which a long backdate would push towards expiry.
  const backdateMs = Math.min(BACKDATE_MS, request.validityMs / 10);
  const cert = issueCertificate({
    commonName: request.commonName,
    publicKey,
    issuer: ca,
    use: 'client',
    altNames: { uri: request.uris },
    notBefore: new Date(now.getTime() - backdateMs),
    notAfter: new Date(now.getTime() + request.validityMs),
  });
  return { cert, facts: certificateFacts(cert) };
}
