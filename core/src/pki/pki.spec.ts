import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pem, pemBody, positiveInteger } from './der';
import {
  certificateFacts,
  createCertificateAuthority,
  createPrivateKeyPem,
  createServerCertificate,
  issueCertificate,
} from './certificates';
import { createCertificationRequest, verifyCertificationRequest } from './certification-request';
import { issueClientCertificate } from './client-certificate';
import { forgedCertificationRequest } from '../../../test/support/forged-csr';

const DAY = 24 * 3600_000;
/** The specs check what this code makes against openssl's reading of it, where openssl is installed. */
const OPENSSL = spawnSync('openssl', ['version']).status === 0;
const withOpenssl = it.skipIf(!OPENSSL);
const dir = mkdtempSync(join(tmpdir(), 'gitfleet-pki-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs openssl on files written to a scratch directory; its output, or throws with its stderr. */
function openssl(files: Record<string, string>, ...args: string[]): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('pki', () => {
  it('encodes serial numbers as minimal positive DER integers, whatever the random bytes', () => {
    // Leading zero octets are illegal padding in DER (OpenSSL refuses the certificate).
    expect(positiveInteger(Buffer.from([0x00, 0x12, 0x34]))).toEqual(Buffer.from([0x02, 0x02, 0x12, 0x34]));
    expect(positiveInteger(Buffer.from([0x00, 0x00, 0x92]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x92]));
    expect(positiveInteger(Buffer.from([0x92, 0x01]))).toEqual(Buffer.from([0x02, 0x03, 0x00, 0x92, 0x01]));
    expect(positiveInteger(Buffer.from([0x00]))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
  });

  withOpenssl('makes a CA that openssl accepts as a CA, and client certificates it verifies for TLS clients', () => {
    const ca = createCertificateAuthority('gitfleet hub CA', 365 * DAY);
    expect(openssl({ 'ca.pem': ca.cert }, 'x509', '-in', 'ca.pem', '-noout', '-text')).toMatch(/CA:TRUE/);
    for (let i = 0; i < 20; i++) {
      const key = createPrivateKeyPem();
      const csr = createCertificationRequest(key, 'ignored-by-the-ca');
      expect(openssl({ 'csr.pem': csr }, 'req', '-in', 'csr.pem', '-verify', '-noout')).toBe('');
      const { cert, facts } = issueClientCertificate(ca, {
        csr,
        commonName: 'east',
        uris: ['gitfleet://cluster/0b9c7c38-8a8f-4c55-9d7b-0d7c7c7c7c7c'],
        validityMs: 30 * DAY,
      });
      const verified = openssl({ 'ca.pem': ca.cert, 'cert.pem': cert }, 'verify', '-CAfile', 'ca.pem', '-purpose', 'sslclient', 'cert.pem');
      expect(verified.trim()).toBe('cert.pem: OK');
      // The certificate holds the CSR's key, and the CA's name and subject, not the CSR's.
      expect(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' })).toEqual(
        createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' }),
      );
      expect(facts.commonName).toBe('east');
      expect(facts.uris).toEqual(['gitfleet://cluster/0b9c7c38-8a8f-4c55-9d7b-0d7c7c7c7c7c']);
      const serial = openssl({ 'cert.pem': cert }, 'x509', '-in', 'cert.pem', '-noout', '-serial').trim();
      expect(serial.replace(/^serial=0*/, '').toLowerCase()).toBe(facts.serial);
      expect(Math.abs(facts.notAfter.getTime() - Date.now() - 30 * DAY)).toBeLessThan(5_000);
    }
  });

  withOpenssl('signs CSRs openssl made, with an RSA CA openssl made', () => {
    openssl(
      {},
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'rsa-ca.key',
      '-out',
      'rsa-ca.pem',
      '-subj',
      '/O=Example/CN=Example CA',
      '-days',
      '2',
    );
    openssl(
      {},
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'agent.key',
      '-out',
      'agent.csr',
      '-subj',
      '/CN=agent',
    );
    const ca = { key: openssl({}, 'pkey', '-in', 'rsa-ca.key'), cert: openssl({}, 'x509', '-in', 'rsa-ca.pem') };
    const csr = openssl({}, 'req', '-in', 'agent.csr');
    const { cert } = issueClientCertificate(ca, { csr, commonName: 'west', uris: [], validityMs: DAY });
    expect(openssl({ 'cert.pem': cert }, 'verify', '-CAfile', 'rsa-ca.pem', '-purpose', 'sslclient', 'cert.pem').trim()).toBe(
      'cert.pem: OK',
    );
    // The issuer is the CA's whole subject, byte for byte.
    expect(new X509Certificate(cert).issuer).toBe('O=Example\nCN=Example CA');
  });

  withOpenssl('refuses a CSR whose signature was made by another key than the one it asks to certify', () => {
    const forged = forgedCertificationRequest(
      createCertificationRequest(createPrivateKeyPem(), 'a'),
      createCertificationRequest(createPrivateKeyPem(), 'a'),
    );
    expect(() => verifyCertificationRequest(forged)).toThrow('csr: signature does not match its public key');
    writeFileSync(join(dir, 'forged.csr'), forged);
    const check = spawnSync('openssl', ['req', '-in', 'forged.csr', '-verify', '-noout'], { cwd: dir, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/verify failure/);
  });

  withOpenssl('names what is wrong with a malformed CSR, and never reads past its bytes', () => {
    const csr = createCertificationRequest(createPrivateKeyPem(), 'a');
    const bytes = pemBody(csr, 'CERTIFICATE REQUEST', 't');
    expect(() => verifyCertificationRequest('hello')).toThrow('csr: no PEM CERTIFICATE REQUEST block');
    expect(() => verifyCertificationRequest(pem('CERTIFICATE REQUEST', bytes.subarray(0, 40)))).toThrow(
      /csr: (truncated DER|DER length beyond its bytes)/,
    );
    const huge = Buffer.from(bytes);
    huge[1] = 0x84; // a four-octet length of ~2^32
    expect(() => verifyCertificationRequest(pem('CERTIFICATE REQUEST', huge))).toThrow(/csr: /);
    expect(() => verifyCertificationRequest('x'.repeat(20_000))).toThrow('csr: larger than 16384 bytes');
    const ed = openssl({}, 'req', '-new', '-newkey', 'ed25519', '-nodes', '-keyout', 'ed.key', '-subj', '/CN=ed');
    expect(() => verifyCertificationRequest(ed)).toThrow('csr: ed25519 keys are not accepted (EC P-256 or RSA)');
  });

  withOpenssl('writes dates from 2050 as GeneralizedTime, which openssl reads back', () => {
    const key = createPrivateKey(createPrivateKeyPem());
    const notAfter = new Date(Date.UTC(2051, 0, 2, 3, 4, 5));
    const cert = issueCertificate({
      commonName: 'far',
      publicKey: createPublicKey(key),
      selfKey: key,
      use: 'ca',
      notBefore: new Date(),
      notAfter,
    });
    expect(certificateFacts(cert).notAfter).toEqual(notAfter);
    expect(openssl({ 'far.pem': cert }, 'x509', '-in', 'far.pem', '-noout', '-enddate').trim()).toBe('notAfter=Jan  2 03:04:05 2051 GMT');
  });

  withOpenssl('makes server certificates a CA signs for names and addresses', () => {
    const ca = createCertificateAuthority('ca', DAY);
    const server = createServerCertificate('hub', { dns: ['localhost'], ip: ['127.0.0.1'] }, DAY, ca);
    const x509 = new X509Certificate(server.cert);
    expect(x509.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(
      openssl({ 'ca.pem': ca.cert, 's.pem': server.cert }, 'verify', '-CAfile', 'ca.pem', '-purpose', 'sslserver', 's.pem').trim(),
    ).toBe('s.pem: OK');
  });
});
