import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { bitString, commonName, der, oidText, pem, pemBody, readChildren, readElement, sequence } from './der';
import { signatureAlgorithm } from './certificates';

/** PKCS#10 certification requests (RFC 2986): an agent proves it holds the key it wants certified. */

/** Larger than any P-256 or RSA-4096 request; refused before decoding. */
export const MAX_CSR_BYTES = 16 * 1024;

const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
};

/** A CSR for `privateKeyPem`, subject CN=`name`; PEM. */
export function createCertificationRequest(privateKeyPem: string, name: string): string {
  const privateKey = createPrivateKey(privateKeyPem);
  const info = sequence(
    der(0x02, Buffer.from([0])), // version 1
    commonName(name),
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
    der(0xa0, Buffer.alloc(0)), // no attributes
  );
  const algorithm = signatureAlgorithm(privateKey);
  return pem('CERTIFICATE REQUEST', sequence(info, algorithm, bitString(sign('sha256', info, privateKey))));
}

/** A request whose signature was checked: the key it proves possession of. */
export interface VerifiedRequest {
  publicKey: KeyObject;
}

/** Decodes a CSR and checks its self-signature; throws naming what is wrong. */
export function verifyCertificationRequest(csrPem: string): VerifiedRequest {
  if (Buffer.byteLength(csrPem, 'utf8') > MAX_CSR_BYTES) throw new Error(`csr: larger than ${MAX_CSR_BYTES} bytes`);
  const bytes = pemBody(csrPem, 'CERTIFICATE REQUEST', 'csr');
  const request = readElement(bytes, 0, 'csr');
  if (request.tag !== 0x30 || request.raw.length !== bytes.length) throw new Error('csr: not one DER SEQUENCE');
  const [info, algorithm, signature] = readChildren(request, 'csr', 3);
  if (info?.tag !== 0x30 || algorithm?.tag !== 0x30 || signature?.tag !== 0x03) throw new Error('csr: not a PKCS#10 CertificationRequest');
  const infoFields = readChildren(info, 'csr info', 4);
  const spki = infoFields[2];
  if (spki?.tag !== 0x30) throw new Error('csr: no subjectPublicKeyInfo');
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' });
  } catch {
    throw new Error('csr: its public key cannot be read');
  }
  if (publicKey.asymmetricKeyType !== 'ec' && publicKey.asymmetricKeyType !== 'rsa')
    throw new Error(`csr: ${publicKey.asymmetricKeyType ?? 'unknown'} keys are not accepted (EC P-256 or RSA)`);
  const algorithmOid = readChildren(algorithm, 'csr algorithm', 2)[0];
  const algorithmName = algorithmOid?.tag === 0x06 ? SIGNATURE_ALGORITHMS[oidText(algorithmOid.content)] : undefined;
  if (algorithmName === undefined) throw new Error('csr: signature algorithm not accepted (ecdsa-with-SHA256 or sha256WithRSAEncryption)');
  if (signature.content[0] !== 0) throw new Error('csr: signature has unused bits');
  const valid = verify('sha256', info.raw, publicKey, signature.content.subarray(1));
  if (!valid) throw new Error('csr: signature does not match its public key');
  return { publicKey };
}
