import { ApiException, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Agent as HttpAgent, request as httpRequest, type Agent, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';

/** How long one API request (not a watch) may take before it is abandoned, by default. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** TLS settings of a connection pool: a pool is kept while these stay the same. */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export type Method = 'GET' | 'PATCH' | 'DELETE';

/**
 * JSON requests to the API server over one keep-alive pool. The KubeConfig authenticates each
 * request (applyToHTTPSOptions: tokens, exec plugins, client certificates, proxies); the request
 * itself goes straight to node:http(s) rather than through the generated client's middleware,
 * fetch shim and per-request agent — a sync makes two requests per object, and that path cost
 * the agent about half a millisecond of CPU each (test/bench/agent-sync.ts).
 */
export class KubeTransport {
  private pool: { agent: Agent; tls: readonly unknown[] } | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    readonly requestTimeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  /**
   * One request: JSON in and out. A 2xx answer is parsed; anything else throws
   * ApiException(code, …, body text), as the stock client does, so callers handle both alike.
   * Request bodies never appear in errors (they may hold Secret values).
   */
  async send(
    method: Method,
    path: string,
    query: Record<string, string> = {},
    body?: { contentType: string; text: string },
  ): Promise<{ status: number; object: KubernetesObject }> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(server);
    const search = new URLSearchParams(query).toString();
    const options: RequestOptions & { rejectUnauthorized?: boolean } = {
      method,
      headers: {
        Accept: 'application/json',
        ...(body ? { 'Content-Type': body.contentType, 'Content-Length': Buffer.byteLength(body.text) } : {}),
      },
    };
    await this.kubeConfig.applyToHTTPSOptions(options as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
    options.agent = this.sharedAgent(options as Record<string, unknown>, url.protocol === 'https:');
    const basePath = url.pathname.replace(/\/$/, '');
    const target = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${basePath}${path}${search ? `?${search}` : ''}`,
    };
    const { status, text, headers } = await new Promise<{ status: number; text: string; headers: IncomingHttpHeaders }>(
      (resolve, reject) => {
        const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)({ ...options, ...target }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers }),
          );
          response.on('error', reject);
        });
        const timeoutMs = this.requestTimeoutMs;
        request.setTimeout(timeoutMs, () =>
          request.destroy(new Error(`${method} ${path}: no answer from the API server within ${timeoutMs} ms`)),
        );
        request.on('error', reject);
        request.end(body?.text);
      },
    );
    if (status < 200 || status > 299) throw new ApiException(status, `${method} ${path}`, text, headers as Record<string, string>);
    try {
      return { status, object: JSON.parse(text) as KubernetesObject };
    } catch {
      throw new ApiException(status, `${method} ${path}: the answer is not JSON`, text.slice(0, 200), headers as Record<string, string>);
    }
  }

  /**
   * The keep-alive pool for requests with these TLS settings. KubeConfig hands out a fresh
   * agent (so a fresh TLS handshake) per request; one pool is kept instead, and replaced when
   * the settings change (a rotated client certificate, say). A proxy's agent is used as given.
   */
  private sharedAgent(options: Record<string, unknown>, https: boolean): Agent {
    const given = options['agent'] as Agent | undefined;
    if (given && given.constructor !== HttpAgent && given.constructor !== HttpsAgent) return given; // a proxy's
    const tls = TLS_KEYS.map((key) => options[key]);
    const current = this.pool;
    if (current && tls.every((value, i) => sameSetting(value, current.tls[i]))) return current.agent;
    // Requests still on the old pool finish (or time out) before its connections are closed.
    if (current) setTimeout(() => current.agent.destroy(), this.requestTimeoutMs).unref();
    const settings = Object.fromEntries(
      TLS_KEYS.map((key, i) => [key, tls[i]]).filter(([, value]) => value !== undefined),
    ) as HttpsAgentOptions;
    const agent = https
      ? new HttpsAgent({ ...settings, keepAlive: true, maxSockets: 32 })
      : new HttpAgent({ keepAlive: true, maxSockets: 32 });
    this.pool = { agent, tls };
    return agent;
  }

  /** Closes the pooled connections (the transport stays usable; a new pool opens on demand). */
  close(): void {
    this.pool?.agent.destroy();
    this.pool = undefined;
  }
}

function sameSetting(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}
