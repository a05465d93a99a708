import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, createServerCertificate } from '#core';
import { loadCertificateAuthority } from './certificate-authority';

const dir = mkdtempSync(join(tmpdir(), 'gitfleet-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the hub CA', () => {
  it('is generated once into HUB_DATA_DIR/ca, its key readable by the hub alone, and reused after', () => {
    const first = loadCertificateAuthority({ dataDir: join(dir, 'data') });
    expect(statSync(join(dir, 'data/ca/ca.key')).mode & 0o777).toBe(0o600);
    expect(loadCertificateAuthority({ dataDir: join(dir, 'data') })).toEqual(first);
  });

  it('comes from HUB_CA_CERT/HUB_CA_KEY when given, checked to be a CA whose key matches', () => {
    const ca = createCertificateAuthority('ops CA', 3600_000);
    const other = createCertificateAuthority('other', 3600_000);
    const leaf = createServerCertificate('leaf', {}, 3600_000);
    const files = {
      cert: join(dir, 'ca.crt'),
      key: join(dir, 'ca.key'),
      otherKey: join(dir, 'o.key'),
      leaf: join(dir, 'l.crt'),
      leafKey: join(dir, 'l.key'),
    };
    writeFileSync(files.cert, ca.cert);
    writeFileSync(files.key, ca.key);
    writeFileSync(files.otherKey, other.key);
    writeFileSync(files.leaf, leaf.cert);
    writeFileSync(files.leafKey, leaf.key);
    expect(loadCertificateAuthority({ dataDir: dir, caCertFile: files.cert, caKeyFile: files.key })).toEqual(ca);
    expect(() => loadCertificateAuthority({ dataDir: dir, caCertFile: files.cert, caKeyFile: files.otherKey })).toThrow(
      'HUB_CA_CERT/HUB_CA_KEY: the CA key does not belong to the CA certificate',
    );
    expect(() => loadCertificateAuthority({ dataDir: dir, caCertFile: files.leaf, caKeyFile: files.leafKey })).toThrow(
      'HUB_CA_CERT/HUB_CA_KEY: the certificate is not a certificate authority (basicConstraints CA:TRUE)',
    );
    expect(() => loadCertificateAuthority({ dataDir: dir, caCertFile: join(dir, 'missing'), caKeyFile: files.key })).toThrow(
      `HUB_CA_CERT: cannot read ${join(dir, 'missing')}: ENOENT`,
    );
    // A key in the wrong place never shows up in the error.
    expect(() => loadCertificateAuthority({ dataDir: dir, caCertFile: files.key, caKeyFile: files.key })).toThrow(
      /^HUB_CA_CERT\/HUB_CA_KEY: the CA certificate is not a PEM certificate$/,
    );
    expect(readFileSync(files.key, 'utf8')).toBe(ca.key);
  });
});
