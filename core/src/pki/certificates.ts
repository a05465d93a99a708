import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  commonName,
  der,
  octetString,
  oid,
  pem,
  pemBody,
  positiveInteger,
  readChildren,
  readElement,
  sequence,
  time,
} from './der';

/**
 * X.509 certificates issued with node:crypto alone: a certificate authority, the certificates
 * it signs (clients, servers) and a self-signed server certificate. Keys are ECDSA P-256.
 */

/** A certificate with its private key, both PEM. */
export interface KeyAndCertificate {
  key: string;
  cert: string;
}

export interface SubjectAltNames {
  dns?: readonly string[];
  ip?: readonly string[];
  uri?: readonly string[];
}

/** What a certificate is for: a CA signs certificates, a client or a server proves who it is in TLS. */
export type CertificateUse = 'ca' | 'client' | 'server';

export interface CertificateSpec {
  commonName: string;
  publicKey: KeyObject;
  use: CertificateUse;
  notBefore: Date;
  notAfter: Date;
  altNames?: SubjectAltNames;
  /** Signer; the certificate is self-signed (issuer = subject) without one. */
  issuer?: KeyAndCertificate;
  /** Signing key of a self-signed certificate. */
  selfKey?: KeyObject;
}

/** A new ECDSA P-256 key, PEM (PKCS#8). */
export function createPrivateKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** AlgorithmIdentifier of a SHA-256 signature by `key`. */
export function signatureAlgorithm(key: KeyObject): Buffer {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return sequence(oid('1.2.840.10045.4.3.2'));
    case 'rsa':
      return sequence(oid('1.2.840.113549.1.1.11'), der(0x05, Buffer.alloc(0)));
    default:
      throw new Error(`signing key: ${key.asymmetricKeyType ?? 'unknown'} keys are not supported (use EC P-256 or RSA)`);
  }
}

const KEY_USAGE: Record<CertificateUse, Buffer> = {
  ca: Buffer.from([0x01, 0x06]), // keyCertSign, cRLSign
  client: Buffer.from([0x07, 0x80]), // digitalSignature
  server: Buffer.from([0x05, 0xa0]), // digitalSignature, keyEncipherment
};
const EXTENDED_KEY_USAGE: Partial<Record<CertificateUse, string>> = { client: '1.3.6.1.5.5.7.3.2', server: '1.3.6.1.5.5.7.3.1' };

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function altNamesExtension(names: SubjectAltNames): Buffer[] {
  const general = [
    ...(names.dns ?? []).map((name) => der(0x82, Buffer.from(name, 'ascii'))),
    ...(names.ip ?? []).map((ip) => der(0x87, Buffer.from(ip.split('.').map(Number)))),
    ...(names.uri ?? []).map((uri) => der(0x86, Buffer.from(uri, 'ascii'))),
  ];
  return general.length === 0 ? [] : [extension('2.5.29.17', false, sequence(...general))];
}

/** The subject Name of a certificate, as its DER bytes (an issuer's name must match them exactly). */
export function subjectName(certPem: string): Buffer {
  const certificate = readElement(pemBody(certPem, 'CERTIFICATE', 'certificate'), 0, 'certificate');
  const tbs = readChildren(readChildren(certificate, 'certificate')[0], 'certificate');
  // version [0] is optional: subject is the 6th field with it, the 5th without.
  const subject = tbs[tbs[0].tag === 0xa0 ? 5 : 4];
  if (subject === undefined) throw new Error('certificate: no subject');
  return Buffer.from(subject.raw);
}

/** Signs a certificate to `spec`, with a random 128-bit serial; PEM. */
export function issueCertificate(spec: CertificateSpec): string {
  const signingKey = spec.issuer === undefined ? spec.selfKey : createPrivateKey(spec.issuer.key);
  if (signingKey === undefined) throw new Error('certificate: a self-signed certificate needs its key');
  const algorithm = signatureAlgorithm(signingKey);
  const subject = commonName(spec.commonName);
  const extensions = [
    extension('2.5.29.19', true, sequence(...(spec.use === 'ca' ? [boolean(true)] : []))),
    extension('2.5.29.15', true, der(0x03, KEY_USAGE[spec.use])),
    ...(EXTENDED_KEY_USAGE[spec.use] === undefined ? [] : [extension('2.5.29.37', false, sequence(oid(EXTENDED_KEY_USAGE[spec.use]!)))]),
    ...altNamesExtension(spec.altNames ?? {}),
  ];
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // version v3
    positiveInteger(randomBytes(16)),
    algorithm,
    spec.issuer === undefined ? subject : subjectName(spec.issuer.cert),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, signingKey);
  return pem('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)));
}

/** Clock skew between hub and agents that a fresh certificate tolerates. */
export const BACKDATE_MS = 5 * 60_000;

/** A new certificate authority: its key and a self-signed CA certificate valid for `validityMs`. */
export function createCertificateAuthority(name: string, validityMs: number, now = new Date()): KeyAndCertificate {
  const key = createPrivateKeyPem();
  const privateKey = createPrivateKey(key);
  const cert = issueCertificate({
    commonName: name,
    publicKey: createPublicKey(privateKey),
    selfKey: privateKey,
    use: 'ca',
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityMs),
  });
  return { key, cert };
}

/** A server key and certificate for `altNames`, signed by `ca` or self-signed, valid for `validityMs`. */
export function createServerCertificate(
  name: string,
  altNames: SubjectAltNames,
  validityMs: number,
  ca?: KeyAndCertificate,
  now = new Date(),
): KeyAndCertificate {
  const key = createPrivateKeyPem();
  const privateKey = createPrivateKey(key);
  const cert = issueCertificate({
    commonName: name,
    publicKey: createPublicKey(privateKey),
    ...(ca === undefined ? { selfKey: privateKey } : { issuer: ca }),
    use: 'server',
    altNames,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityMs),
  });
  return { key, cert };
}

/** What the hub reads from a certificate. */
export interface CertificateFacts {
  /** Lower-case hex, no leading zeros (as X509Certificate shows it, lower-cased). */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  commonName: string | undefined;
  uris: string[];
}

/** Serial, validity and names of a certificate (PEM or DER). */
export function certificateFacts(cert: string | Buffer): CertificateFacts {
  const x509 = new X509Certificate(cert);
  const uris = (x509.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
  return {
    serial: normaliseSerial(x509.serialNumber),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    commonName: /^CN=(.*)$/m.exec(x509.subject)?.[1],
    uris,
  };
}

/** One spelling of a serial number: lower-case hex without leading zeros. */
export function normaliseSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}
