import { hash } from 'node:crypto';

/**
 * SHA-256 of text (UTF-8) or bytes, as lowercase hex. One call and no Hash object: on the hub's
 * hot paths (every credential checked, every target digested) createHash cost several times as
 * much per call.
 */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** SHA-256 of text (UTF-8) or bytes, as 32 bytes. */
export function sha256(data: string | Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}
