import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from './self-signed-certificate';

describe('self-signed certificate', () => {
  it('is a certificate OpenSSL parses, for localhost and 127.0.0.1', () => {
    for (let i = 0; i < 50; i++) {
      const { cert } = createSelfSignedCertificate('sim');
      const parsed = new X509Certificate(cert);
      expect(parsed.subject).toBe('CN=sim');
      expect(parsed.checkHost('localhost')).toBe('localhost');
      expect(parsed.checkIP('127.0.0.1')).toBe('127.0.0.1');
    }
  });
});
