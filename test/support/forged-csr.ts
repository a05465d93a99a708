import { pem, pemBody, readChildren, readElement, sequence } from '../../core/src/pki/der';

/** A CSR with the request info (the public key) of `holder` and the signature of `signer`: a wrong-key CSR. */
export function forgedCertificationRequest(holder: string, signer: string): string {
  const parts = (csr: string) => readChildren(readElement(pemBody(csr, 'CERTIFICATE REQUEST', 'csr'), 0, 'csr'), 'csr');
  const [info] = parts(holder);
  const [, algorithm, signature] = parts(signer);
  return pem('CERTIFICATE REQUEST', sequence(info.raw, algorithm.raw, signature.raw));
}
