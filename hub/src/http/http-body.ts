import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, type ErrorRequestHandler, type RequestHandler } from 'express';
import { DEFAULT_WEBHOOK_BODY_LIMITS, webhookBody } from '../webhooks/webhook-body';

/** Where git providers post push notifications. */
export const WEBHOOK_PATH = '/api/v1/webhooks';

/**
 * Request body limits. A push notification lists the pushed commits and GitHub sends up to
 * 25 MB of it; the admin API's requests are small (a token, a pin, a pause), and a 1 MB cap
 * keeps a caller from making the hub parse megabytes of JSON.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 25 * 1024 * 1024;
export const API_BODY_LIMIT_BYTES = 1024 * 1024;

/** The bytes as received, for signature checks (`RawBodyRequest`). */
function keepRawBody(request: IncomingMessage, _response: ServerResponse, body: Buffer): void {
  (request as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
}

/**
 * JSON body parsing for the whole HTTP API, instead of Nest's one-size default (100 KB, which
 * refused large but genuine push notifications): the webhook path first, read only as far as
 * its caller's headers allow and bounded (webhooks/webhook-body.ts), then everything else. A body too large or not JSON is answered like every API error.
 */
export function bodyParsing(webhookSecret: () => string | undefined): { path?: string; handler: RequestHandler | ErrorRequestHandler }[] {
  return [
    { path: WEBHOOK_PATH, handler: webhookBody(webhookSecret, { ...DEFAULT_WEBHOOK_BODY_LIMITS, maxBytes: WEBHOOK_BODY_LIMIT_BYTES }) },
    { handler: json({ limit: API_BODY_LIMIT_BYTES, verify: keepRawBody }) },
    { handler: bodyErrors },
  ];
}

const bodyErrors: ErrorRequestHandler = (error: { type?: string; limit?: number }, _request, response, next) => {
  if (error.type === 'entity.too.large') {
    response.status(413).json({ code: 'payload_too_large', message: `the request body is larger than ${error.limit ?? 'allowed'} bytes` });
  } else if (error.type === 'entity.parse.failed') {
    response.status(400).json({ code: 'invalid_argument', message: 'the request body is not valid JSON' });
  } else {
    next(error);
  }
};
