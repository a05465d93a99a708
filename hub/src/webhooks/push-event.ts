import { createHmac } from 'node:crypto';
import { secretsEqual as equalSecrets } from '../clusters/credential';

export type GitProvider = 'github' | 'gitlab' | 'gitea';

type Headers = Record<string, string | string[] | undefined>;

/** What a push notification tells the hub: which repository (by every URL given) and which ref. */
export interface PushEvent {
  provider: GitProvider;
  urls: string[];
  /** Full ref name, e.g. refs/heads/main. */
  ref: string;
}

export type WebhookVerdict =
  { ok: true; provider: GitProvider; push: PushEvent | undefined } | { ok: false; status: 400 | 401; code: string; message: string };

/**
 * Authenticates a webhook call (GitHub: X-Hub-Signature-256 HMAC-SHA256; Gitea:
 * X-Gitea-Signature HMAC-SHA256 hex; GitLab: X-Gitlab-Token equal to the secret, all compared
 * in constant time) and, for a push, reads repository URLs and ref. Nothing in the body is
 * looked at before the signature holds.
 */
export function readWebhook(headers: Headers, rawBody: Buffer | undefined, secret: string | undefined): WebhookVerdict {
  const unauthenticated = (message: string) => ({ ok: false as const, status: 401 as const, code: 'webhook_unauthenticated', message });
  if (secret === undefined) return unauthenticated('webhooks are disabled (WEBHOOK_SECRET is not set)');
  const body = rawBody ?? Buffer.alloc(0);
  let provider: GitProvider;
  let event: string;
  if (header(headers, 'x-gitea-event') !== undefined) {
    provider = 'gitea';
    event = header(headers, 'x-gitea-event')!;
    const given = header(headers, 'x-gitea-signature');
    if (given === undefined || !equalSecrets(given.toLowerCase(), hmacHex(secret, body)))
      return unauthenticated('bad or missing X-Gitea-Signature');
  } else if (header(headers, 'x-gitlab-event') !== undefined) {
    provider = 'gitlab';
    event = header(headers, 'x-gitlab-event')!;
    const given = header(headers, 'x-gitlab-token');
    if (given === undefined || !equalSecrets(given, secret)) return unauthenticated('bad or missing X-Gitlab-Token');
  } else if (header(headers, 'x-github-event') !== undefined) {
    provider = 'github';
    event = header(headers, 'x-github-event')!;
    const given = header(headers, 'x-hub-signature-256');
    if (given === undefined || !equalSecrets(given.toLowerCase(), `sha256=${hmacHex(secret, body)}`)) {
      return unauthenticated('bad or missing X-Hub-Signature-256');
    }
  } else {
    return unauthenticated('not a GitHub, GitLab or Gitea webhook (no X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event)');
  }
  if (!(event === 'push' || event === 'Push Hook' || event === 'Tag Push Hook')) return { ok: true, provider, push: undefined };
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, code: 'bad_request', message: 'the push payload is not JSON (send application/json)' };
  }
  const p = (payload ?? {}) as { ref?: unknown; repository?: Record<string, unknown>; project?: Record<string, unknown> };
  if (typeof p.ref !== 'string') return { ok: false, status: 400, code: 'bad_request', message: 'the push payload has no ref' };
  const urls: string[] = [];
  for (const holder of [p.repository, p.project]) {
    for (const key of [
      'clone_url',
      'ssh_url',
      'git_url',
      'html_url',
      'git_http_url',
      'git_ssh_url',
      'http_url',
      'web_url',
      'url',
      'homepage',
    ]) {
      const value = holder?.[key];
      if (typeof value === 'string' && value !== '' && !urls.includes(value)) urls.push(value);
    }
  }
  return { ok: true, provider, push: { provider, urls, ref: p.ref } };
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
