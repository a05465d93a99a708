import { ApiException } from '@kubernetes/client-node';
import { formatRef, type ObjectRef } from '../model/object-ref';

export type ObjectVerb = 'validation' | 'dry-run' | 'apply' | 'delete';

/**
 * A request about one object that the API refused or that never got an answer: the object,
 * what was asked, the API's status code and reason when it answered, and whether asking again
 * might succeed. Decisions read `status`/`reason`, never the message.
 */
export interface ObjectError {
  ref: ObjectRef;
  verb: ObjectVerb;
  /** HTTP status, when the API answered. */
  status?: number;
  /** The Status reason (NotFound, Invalid, Forbidden, Conflict, …), when the API gave one. */
  reason?: string;
  message: string;
  transient: boolean;
}

/**
 * The ObjectError for a failed request. Only the Status the API returned is used: never the
 * request body, which may hold Secret values.
 */
export function objectError(ref: ObjectRef, verb: ObjectVerb, error: unknown): ObjectError {
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    return {
      ref,
      verb,
      status: error.code,
      ...(status?.reason ? { reason: status.reason } : {}),
      message: status?.message || `the API answered ${error.code}`,
      transient: isTransientStatus(error.code),
    };
  }
  return { ref, verb, message: error instanceof Error ? error.message : String(error), transient: true };
}

/** "<Kind/ns/name> <verb> failed (<reason>): <message>". */
export function describeObjectError(error: ObjectError): string {
  const reason = error.reason ?? (error.status !== undefined ? `HTTP ${error.status}` : '');
  return `${formatRef(error.ref)} ${error.verb} failed${reason ? ` (${reason})` : ''}: ${error.message}`;
}

export function describeFailure(ref: ObjectRef, verb: ObjectVerb, error: unknown): string {
  return describeObjectError(objectError(ref, verb, error));
}

/**
 * Whether retrying might help: transport errors, conflicts, throttling, NotFound (a namespace
 * or CRD on its way) and 5xx yes; the API refusing the object itself (invalid, forbidden,
 * immutable field) no.
 */
function isTransientStatus(code: number): boolean {
  return code >= 500 || code === 429 || code === 409 || code === 404;
}

export function isNotFound(error: ObjectError | undefined): boolean {
  return error?.status === 404;
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
