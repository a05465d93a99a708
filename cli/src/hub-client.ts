import { EXIT } from './exit-codes';
import { parseEventStream, type LiveEvent } from './live';
import { visible, visibleStrings } from './render/visible';

/** The hub's REST API over fetch: one place for the base URL, the API token, time-outs and errors. */

export interface HubClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** API token sent as `Authorization: Bearer …`; never printed. */
  token?: string;
  /** Per request. */
  timeoutMs: number;
  /** Ends every request at once (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Answers are shown as text (not -o json): every string in them gets its control characters
   * made visible (render/visible.ts). Error messages always do.
   */
  visibleText?: boolean;
}

/** Query parameters; a list is sent as the parameter repeated. */
export type Query = Record<string, string | number | string[] | undefined>;

/** A request that did not give an answer we can use, with the exit code it means. */
export class HubError extends Error {
  constructor(
    message: string,
    /** The hub's error code, or the network error's (ECONNREFUSED, timeout). */
    readonly code: string,
    readonly exitCode: number,
    /** HTTP status, when the hub answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** The API's largest page (docs/api.md, pagination). */
const MAX_PAGE = 500;
const TOKEN_HINT = 'set GITFLEET_TOKEN (or --token) to an API token';
/** Statuses a proxy in front of a hub that is down answers with. */
const GATEWAY_DOWN = new Set([502, 503, 504]);

export class HubClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(private readonly options: HubClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token === '' ? undefined : options.token;
  }

  /** The hub's address as it may be shown: without user:password. */
  get displayUrl(): string {
    return displayUrl(this.baseUrl);
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /**
   * Every item of a list, following `next` cursors (`?cursor=`) page after page, in the
   * largest pages the API allows. Lists without pagination answer one page without `next`.
   */
  async list<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const answer = await this.get<{ items: T[]; next?: string | null }>(path, { limit: MAX_PAGE, ...query, cursor });
      items.push(...answer.items);
      if (answer.next === undefined || answer.next === null || answer.next === '' || answer.next === cursor) break;
      cursor = answer.next;
    }
    return items;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: this.signal() });
    } catch (error) {
      throw this.networkError(error);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw this.answerError(response, text);
    if (response.status === 204 || text === '') return undefined as T;
    try {
      const answer = JSON.parse(text) as T;
      return this.options.visibleText === true ? visibleStrings(answer) : answer;
    } catch {
      throw new HubError(
        `${this.displayUrl} answered ${method} ${path} with something that is not JSON; is --hub the hub's HTTP address?`,
        'not_json',
        EXIT.hub,
        response.status,
      );
    }
  }

  /**
   * The hub's live stream (`GET /api/v1/stream`): its events until the hub ends it or `signal`
   * aborts. Only opening it is timed; it then stays open as long as the hub keeps it.
   */
  async *stream(signal: AbortSignal): AsyncGenerator<LiveEvent> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    // Only the opening is timed: once the headers are in, the stream lasts as long as the hub keeps it.
    const opening = new AbortController();
    const timer = setTimeout(
      () => opening.abort(new DOMException('the stream did not open in time', 'TimeoutError')),
      this.options.timeoutMs,
    );
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/api/v1/stream`, {
        headers,
        signal: AbortSignal.any([signal, opening.signal, ...(this.options.signal ? [this.options.signal] : [])]),
      });
    } catch (error) {
      throw this.networkError(error);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok || response.body === null) throw this.answerError(response, await response.text().catch(() => ''));
    yield* parseEventStream(response.body);
  }

  /** A signal for one request: its time-out, or the caller's Ctrl-C. */
  signal(timeoutMs = this.options.timeoutMs): AbortSignal {
    const timeout = AbortSignal.timeout(timeoutMs);
    return this.options.signal === undefined ? timeout : AbortSignal.any([timeout, this.options.signal]);
  }

  networkError(error: unknown): Error {
    if (this.options.signal?.aborted)
      return this.options.signal.reason instanceof Error ? this.options.signal.reason : new DOMException('aborted', 'AbortError');
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new HubError(`the hub at ${this.displayUrl} did not answer within ${this.options.timeoutMs / 1000}s`, 'timeout', EXIT.hub);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? 'network_error';
    const reason =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND'
          ? 'host not found'
          : (cause?.message ?? (error as Error).message);
    return new HubError(
      `cannot reach the hub at ${this.displayUrl}: ${visible(this.scrub(reason))}; set --hub or GITFLEET_HUB`,
      visible(code),
      EXIT.hub,
    );
  }

  private answerError(response: Response, text: string): HubError {
    let code = `http_${response.status}`;
    let message = `the hub answered ${response.status} ${response.statusText}`.trim();
    try {
      const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === 'string') code = parsed.code;
      if (typeof parsed.message === 'string' && parsed.message !== '') message = parsed.message;
    } catch {
      // Not the hub's JSON (a proxy's page): status line it is.
    }
    message = visible(this.scrub(message));
    code = visible(code);
    if (response.status === 401) {
      const hint =
        this.token === undefined
          ? `the hub wants an API token: ${TOKEN_HINT}`
          : `the hub refused the API token (${message}); ${TOKEN_HINT} that is valid`;
      return new HubError(hint, code, EXIT.hub, 401);
    }
    if (response.status === 403) return new HubError(message, code, EXIT.hub, 403);
    if (GATEWAY_DOWN.has(response.status) && code.startsWith('http_')) {
      return new HubError(`cannot reach the hub at ${this.displayUrl}: ${message}`, code, EXIT.hub, response.status);
    }
    return new HubError(message, code, EXIT.problem, response.status);
  }

  /** Whatever a server or a proxy echoes, the token never leaves this process in a message. */
  private scrub(text: string): string {
    // Real tokens are long; a very short one would only mangle the message.
    return this.token === undefined || this.token.length < 8 ? text : text.split(this.token).join('***');
  }
}

export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined && one !== '') params.append(key, String(one));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return url;
  }
}

/** Path segment for a name given on the command line. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}
