import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from '../logging/logger';

/** Every error leaves the API as `{ code, message }`; internal details stay in the log. */
@Catch()
export class JsonErrorsFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const given = typeof body === 'object' && body !== null ? (body as { code?: unknown; message?: unknown }) : {};
      response.status(status).json({
        code: typeof given.code === 'string' ? given.code : codeOf(status),
        message: typeof given.message === 'string' ? given.message : exception.message,
      });
      return;
    }
    this.log.error({ err: exception }, 'request failed');
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({ code: 'internal', message: 'internal error' });
  }
}

const CODES: ReadonlyMap<number, string> = new Map([
  [HttpStatus.NOT_FOUND, 'not_found'],
  [HttpStatus.BAD_REQUEST, 'invalid_argument'],
  [HttpStatus.UNAUTHORIZED, 'unauthenticated'],
  [HttpStatus.FORBIDDEN, 'forbidden'],
  [HttpStatus.PAYLOAD_TOO_LARGE, 'payload_too_large'],
  [HttpStatus.SERVICE_UNAVAILABLE, 'unavailable'],
]);

function codeOf(status: number): string {
  return CODES.get(status) ?? `http_${status}`;
}
