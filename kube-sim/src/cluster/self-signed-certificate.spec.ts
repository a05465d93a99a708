import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, positiveInteger } from './self-signed-certificate';

describe('self-signed certificate', () => {
  it('encodes serial numbers as minimal positive DER integers, whatever the random bytes', () => {
    // Leading zero octets are illegal padding in DER (OpenSSL refuses the certificate):
    // about one random serial in 512 starts that way.
    expect(positiveInteger(Buffer.from([0x00, 0x12, 0x34]))).toEqual(Buffer.from([0x02, 0x02, 0x12, 0x34]));
    expect(positiveInteger(Buffer.from([0x00, 0x00, 0x92]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x92]));
    expect(positiveInteger(Buffer.from([0x92, 0x01]))).toEqual(Buffer.from([0x02, 0x03, 0x00, 0x92, 0x01]));
    expect(positiveInteger(Buffer.from([0x00]))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
  });

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
