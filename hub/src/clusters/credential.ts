import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256, sha256Hex } from '#core';

/** Details of the UNAUTHENTICATED status a revoked cluster's agent receives. */
export const REVOKED_DETAILS = 'revoked: this cluster was revoked on the hub; register again with a bootstrap token';
/** Details of the UNAUTHENTICATED status for a credential of a cluster the hub does not know. */
export const UNKNOWN_CLUSTER_DETAILS = 'unknown cluster';
export const ROTATED_DETAILS = 'credential rotated: register again with a bootstrap token to receive a new credential';

/** `<cluster-id>.<32 random bytes, base64url>`; the hub stores only its SHA-256. */
export function issueCredential(clusterId: string): string {
  return `${clusterId}.${randomBytes(32).toString('base64url')}`;
}

export function hashCredential(credential: string): string {
  return sha256Hex(credential);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cluster id a credential claims, or undefined when it is not shaped like one. */
export function clusterIdOf(credential: string): string | undefined {
  const dot = credential.indexOf('.');
  if (dot === -1 || credential.length > 512) return undefined;
  const id = credential.slice(0, dot);
  return UUID.test(id) && credential.length > dot + 1 ? id : undefined;
}

/** Compares a presented credential with a stored hash in constant time. */
export function credentialMatches(credential: string, storedHash: string): boolean {
  const presented = Buffer.from(hashCredential(credential), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of secrets of any length (hashing first equalises the lengths). */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/** The credential from `authorization: Bearer <credential>`, or undefined. */
export function bearerCredential(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? '');
  return match?.[1];
}
