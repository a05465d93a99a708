import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { principalOf } from '../auth/auth.decorators';
import type { AuditService } from './audit.service';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Express middleware: records every mutating call of an authenticated principal once its
 * answer is sent, with the final status — refusals by role or scope included. It runs before
 * the auth guard, so it looks for the principal only when the answer is finished. Bodies are
 * never recorded: they may hold secrets.
 */
export function auditTrail(audit: AuditService): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    if (!READ_METHODS.has(request.method)) {
      const at = new Date();
      response.once('finish', () => {
        const principal = principalOf(request);
        if (principal === undefined) return;
        const route = typeof request.route?.path === 'string' ? request.route.path : request.path;
        const target = Object.values((request.params ?? {}) as Record<string, unknown>)
          .map(String)
          .join('/');
        audit.record({
          at,
          actor: { tokenId: principal.tokenId, name: principal.name },
          method: request.method,
          route,
          path: request.path,
          target,
          status: response.statusCode,
        });
      });
    }
    next();
  };
}
