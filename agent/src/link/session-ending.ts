import { status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import type { Logger } from '../logger';
import { RETRY_AFTER_METADATA } from '#core';
import { credentialRejection, type CredentialRejection } from './credential-rejection';

/**
 * Why a Connect session ended: the call's final status, or no word from the hub for too long.
 * What the link reads from it before the next attempt (a credential refused for good, the hub's
 * retry hint, a hub never reached) and the line that tells an operator are plain functions of
 * it, kept apart from the reconnect loop (FleetLink.run) that acts on them.
 */
export type SessionEnding = { kind: 'status'; status: StatusObject; received: number } | { kind: 'dead'; received: number };

/** The credential is refused for good (register again); undefined for any other ending. */
export function rejectionOf(ending: SessionEnding): CredentialRejection | undefined {
  return ending.kind === 'status' && ending.status.code === GrpcStatus.UNAUTHENTICATED ? credentialRejection(ending.status) : undefined;
}

/** The hub's retry-after hint, which comes with RESOURCE_EXHAUSTED (for hintedDelay). */
export function retryAfterHint(ending: SessionEnding): string | undefined {
  return ending.kind === 'status' && ending.status.code === GrpcStatus.RESOURCE_EXHAUSTED
    ? ending.status.metadata?.get(RETRY_AFTER_METADATA)[0]?.toString()
    : undefined;
}

/** The Connect ended UNAVAILABLE before anything came from the hub (no connection). */
export function endedUnreachable(ending: SessionEnding): boolean {
  return ending.kind === 'status' && ending.status.code === GrpcStatus.UNAVAILABLE && ending.received === 0;
}

/** The line that tells an operator why the stream ended and when the link tries again. */
export function logEnding(log: Logger, ending: SessionEnding, lastedMs: number, retryInMs: number, unacknowledgedReports: number): void {
  const context = { retryInMs, lastedMs, messagesReceived: ending.received, unacknowledgedReports };
  if (ending.kind === 'dead') {
    log.warn(context, 'hub stream silent for too long (missed heartbeats); reconnecting');
    return;
  }
  const { code, details } = ending.status;
  if (code === GrpcStatus.UNAUTHENTICATED) {
    // A rejection for good (revoked, rotated, unknown cluster) goes to onCredentialRejected;
    // any other refusal keeps the credential and retries.
    log.error(
      { ...context, code: 'UNAUTHENTICATED', details },
      "the hub refused this agent's credential; retrying with backoff. If the cluster was removed from the hub, " +
        'delete the Secret gitfleet-agent in the agent namespace and restart the agent with BOOTSTRAP_TOKEN',
    );
  } else if (code === GrpcStatus.PERMISSION_DENIED) {
    log.error({ ...context, code: 'PERMISSION_DENIED', details }, 'the hub refused this session; retrying with backoff');
  } else if (code === GrpcStatus.OK) {
    log.info(context, 'hub closed the stream; reconnecting');
  } else {
    log.warn({ ...context, code: GrpcStatus[code] ?? code, details }, 'hub stream ended; reconnecting');
  }
}
