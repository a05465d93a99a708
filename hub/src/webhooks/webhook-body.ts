import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Bounds on what an unauthenticated caller of the webhook path can make the hub hold. */
export interface WebhookBodyLimits {
  /** Largest body (GitHub sends push notifications up to 25 MB). */
  maxBytes: number;
  /** Bodies read at once before their signature is known; more wait for none — they are refused. */
  maxUnverified: number;
  /** A body must arrive within this (slow senders hold memory and a slot). */
  timeoutMs: number;
}

/** Two unverified bodies of 25 MB at most: 50 MB an attacker can make the hub hold, and GitHub sends one hook at a time. */
export const DEFAULT_WEBHOOK_BODY_LIMITS: WebhookBodyLimits = { maxBytes: 25 * 1024 * 1024, maxUnverified: 2, timeoutMs: 30_000 };

/**
 * The webhook path's body, read so that an unauthenticated caller cannot make the hub spend
 * memory: nothing is read when webhooks are off or no provider header is there; GitLab's token
 * (a header) must be there before the body is read; a body whose signature can only be checked
 * once it is whole (GitHub, Gitea) is read with a byte cap counted as it arrives, a time limit,
 * and at most `maxUnverified` such bodies in flight — a caller beyond that gets 503 with
 * Retry-After, not a buffer. A too-large Content-Length is refused before a byte is read. The
 * request then carries `rawBody`: the controller checks the signature over it and only then
 * parses it.
 */
export function webhookBody(secret: () => string | undefined, limits: WebhookBodyLimits = DEFAULT_WEBHOOK_BODY_LIMITS): RequestHandler {
  let unverified = 0;
  return (request: Request, response: Response, next: NextFunction) => {
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      // Answered, then the connection is closed: what the caller still sends is never read.
      response.once('finish', () => request.socket.destroy());
      response
        .set({ ...headers, connection: 'close' })
        .status(status)
        .json({ code, message });
    };
    const key = secret();
    if (key === undefined) return refuse(401, 'webhook_unauthenticated', 'webhooks are disabled (WEBHOOK_SECRET is not set)');
    const provider = providerOf(request);
    if (provider === undefined) {
      return refuse(
        401,
        'webhook_unauthenticated',
        'not a GitHub, GitLab or Gitea webhook (no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event)',
      );
    }
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      return refuse(413, 'payload_too_large', `the request body is larger than ${limits.maxBytes} bytes`);
    }
    // GitLab authenticates with a header: the body of a caller without it is never read.
    const signed = provider !== 'gitlab';
    if (!signed && request.headers['x-gitlab-token'] === undefined)
      return refuse(401, 'webhook_unauthenticated', 'bad or missing X-Gitlab-Token');
    if (signed && unverified >= limits.maxUnverified) {
      return refuse(503, 'busy', 'too many unverified webhook bodies in flight; retry shortly', { 'retry-after': '2' });
    }
    if (signed) unverified++;
    // One buffer of the declared length (no second copy when the body is whole); chunks otherwise.
    const whole = Number.isFinite(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let finished = false;
    const finish = (error?: { status: number; code: string; message: string }) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (signed) unverified--;
      request.off('data', onData);
      if (error) return refuse(error.status, error.code, error.message);
      const rawBody = whole !== undefined ? whole.subarray(0, bytes) : Buffer.concat(chunks);
      (request as Request & { rawBody?: Buffer }).rawBody = rawBody;
      request.body = {}; // parsed by the controller, once the signature over rawBody holds
      next();
    };
    const onData = (chunk: Buffer) => {
      if (whole !== undefined && bytes + chunk.length <= whole.length) chunk.copy(whole, bytes);
      else if (whole !== undefined)
        return finish({ status: 400, code: 'bad_request', message: 'the request body is longer than its Content-Length' });
      else chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > limits.maxBytes)
        return finish({ status: 413, code: 'payload_too_large', message: `the request body is larger than ${limits.maxBytes} bytes` });
    };
    const timer = setTimeout(
      () => finish({ status: 408, code: 'timeout', message: `the request body did not arrive within ${limits.timeoutMs / 1000} s` }),
      limits.timeoutMs,
    );
    request.on('data', onData);
    request.once('end', () => finish());
    request.once('error', () => finish({ status: 400, code: 'bad_request', message: 'the request body could not be read' }));
    request.once('close', () => finish({ status: 400, code: 'bad_request', message: 'the connection closed before the body ended' }));
  };
}

function providerOf(request: Request): 'github' | 'gitlab' | 'gitea' | undefined {
  if (request.headers['x-gitea-event'] !== undefined) return 'gitea';
  if (request.headers['x-gitlab-event'] !== undefined) return 'gitlab';
  if (request.headers['x-github-event'] !== undefined) return 'github';
  return undefined;
}
