import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Whether the agent can do its job now, and why (shown in the probe's answer). */
export interface Readiness {
  ready: boolean;
  reason: string;
}

export interface HealthEndpointOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  readiness: () => Readiness;
}

export interface HealthEndpoint {
  /** http://host:port of the bound server. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A small HTTP server for the kubelet's probes (HEALTH_PORT; off unless set):
 * - `GET /healthz` — liveness: answered from the event loop, so an answer at all means the
 *   process is up and its loop is turning (a blocked loop answers nothing, and the probe times out);
 * - `GET /readyz` — readiness: 200 when `readiness()` says ready, else 503, with the reason.
 * Nothing else is served, and nothing secret is ever in an answer.
 */
export async function startHealthEndpoint(options: HealthEndpointOptions): Promise<HealthEndpoint> {
  const server = createServer((req, res) => {
    const answer = (status: number, body: Record<string, string>): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, { status: 'method not allowed' });
    if (path === '/healthz') return answer(200, { status: 'ok' });
    if (path === '/readyz') {
      const { ready, reason } = options.readiness();
      return answer(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', reason });
    }
    return answer(404, { status: 'not found' });
  });
  await listen(server, options.host, options.port);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void =>
      reject(new Error(`health endpoint cannot listen on ${host}:${port}: ${error.code ?? error.message}`));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
