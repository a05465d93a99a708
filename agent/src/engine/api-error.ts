import { ApiException } from '@kubernetes/client-node';
import { formatRef, type ObjectRef } from './change-set';

/**
 * "<Kind/ns/name> <verb> failed (<reason>): <message>" — the object, the API's reason and its
 * message. Only the Status the API returned is used: never the request body, which may
 * hold Secret values.
 */
export function describeFailure(ref: ObjectRef, verb: string, error: unknown): string {
  const { reason, message } = apiReason(error);
  return `${formatRef(ref)} ${verb} failed${reason ? ` (${reason})` : ''}: ${message}`;
}

/**
 * Whether retrying might help: transport errors, conflicts, throttling and 5xx yes; the API
 * refusing the object itself (invalid, forbidden, immutable field) no.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ApiException) {
    return error.code >= 500 || error.code === 429 || error.code === 409 || error.code === 404;
  }
  return true;
}

function apiReason(error: unknown): { reason: string; message: string } {
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    return {
      reason: status?.reason || `HTTP ${error.code}`,
      message: status?.message || `the API answered ${error.code}`,
    };
  }
  return { reason: '', message: error instanceof Error ? error.message : String(error) };
}

function parseStatus(body: unknown): { reason?: string; message?: string } | undefined {
  try {
    const value: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    if (typeof value === 'object' && value !== null) {
      const { reason, message } = value as { reason?: unknown; message?: unknown };
      return {
        ...(typeof reason === 'string' ? { reason } : {}),
        ...(typeof message === 'string' ? { message } : {}),
      };
    }
  } catch {
    // Not JSON: fall back to the HTTP code.
  }
  return undefined;
}
