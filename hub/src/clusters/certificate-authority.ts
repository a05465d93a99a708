import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, type KeyAndCertificate } from '#core';

/** The generated CA's lifetime: long, since every agent certificate hangs from it. */
const GENERATED_CA_VALIDITY_MS = 10 * 365 * 24 * 3600_000;

export interface CertificateAuthoritySource {
  caCertFile?: string;
  caKeyFile?: string;
  dataDir: string;
}

/**
 * The CA that signs agents' client certificates: HUB_CA_CERT/HUB_CA_KEY, or one the hub
 * generates once into HUB_DATA_DIR/ca and reuses after. Checked at start: a certificate
 * authority whose key matches it. Errors name the variable or file, never the key's content.
 */
export function loadCertificateAuthority(source: CertificateAuthoritySource): KeyAndCertificate {
  if (source.caCertFile !== undefined && source.caKeyFile !== undefined) {
    return checked(
      { cert: readPem(source.caCertFile, 'HUB_CA_CERT'), key: readPem(source.caKeyFile, 'HUB_CA_KEY') },
      'HUB_CA_CERT/HUB_CA_KEY',
    );
  }
  const dir = join(source.dataDir, 'ca');
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  try {
    return checked({ cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }, `HUB_DATA_DIR ${dir}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const ca = createCertificateAuthority('gitfleet hub CA', GENERATED_CA_VALIDITY_MS);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The key first, exclusively: two hubs starting on one directory do not both write a CA.
  writeFileSync(keyFile, ca.key, { mode: 0o600, flag: 'wx' });
  writeFileSync(certFile, ca.cert, { mode: 0o644, flag: 'wx' });
  return ca;
}

function readPem(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function checked(ca: KeyAndCertificate, where: string): KeyAndCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(ca.cert);
  } catch {
    throw new Error(`${where}: the CA certificate is not a PEM certificate`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(ca.key));
  } catch {
    throw new Error(`${where}: the CA key is not a PEM private key`);
  }
  if (!matches) throw new Error(`${where}: the CA key does not belong to the CA certificate`);
  if (!x509.ca) throw new Error(`${where}: the certificate is not a certificate authority (basicConstraints CA:TRUE)`);
  if (new Date(x509.validTo).getTime() <= Date.now()) throw new Error(`${where}: the CA certificate expired on ${x509.validTo}`);
  return ca;
}
