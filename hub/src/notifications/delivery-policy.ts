import { backoffCeiling, jittered } from '#core';

export interface DeliveryOptions {
  /** Attempts per notification, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles per retry, half of it random (equal jitter). */
  initialDelayMs: number;
  /** Timeout of one POST. */
  timeoutMs: number;
  /** Notifications waiting to be sent (or retried) at most; beyond, the oldest is dropped and logged. */
  maxQueued: number;
}

/** 5 attempts over about a minute: retries after ~4, ~8, ~16 and ~32 seconds. */
export function defaultDeliveryOptions(): DeliveryOptions {
  return { attempts: 5, initialDelayMs: 4_000, timeoutMs: 10_000, maxQueued: 1_000 };
}

/** Server errors, 429 and network failures may pass on a retry; any other 4xx will not. */
export function isRetryable(status: number | 'network'): boolean {
  return status === 'network' || status === 429 || status === 408 || status >= 500;
}

/** Delay before retry `retry` (1 = the first retry): half fixed, half random, so replicas and hubs do not retry in step. */
export function retryDelayMs(retry: number, options: Pick<DeliveryOptions, 'initialDelayMs'>, random = Math.random): number {
  const ceiling = backoffCeiling(retry - 1, { baseMs: options.initialDelayMs, factor: 2, capMs: Infinity, resetAfterMs: Infinity });
  return jittered(ceiling, 'equal', random);
}
