import { request as httpsRequest } from 'node:https';
import { startSimCluster, type SimCluster } from '#kube-sim';
import type { RealCluster } from '../support/real-cluster';
import type { ApiRequest } from './scenario';

/** An answer as a client sees it: status, and the body parsed when it is JSON (or JSON lines). */
export interface Answer {
  status: number;
  body: unknown;
}

/** Something that answers Kubernetes API requests: kube-sim or a real kube-apiserver. */
export interface Target {
  readonly name: 'kube-sim' | 'kube-apiserver';
  send(request: ApiRequest): Promise<Answer>;
  close(): Promise<void>;
}

/** JSON, or newline-delimited JSON as a watch sends it, or the text as it came. */
export function parseAnswerBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    try {
      return lines.map((l) => JSON.parse(l) as unknown);
    } catch {
      return text;
    }
  }
}

function encode(request: ApiRequest): { body?: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body === undefined) return { headers };
  headers['content-type'] = request.contentType ?? 'application/json';
  return { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body), headers };
}

/**
 * A fresh simulated cluster. Its Pods never start: the real control plane of the tests has no
 * nodes, so both stay Pending.
 */
export async function simTarget(name: string): Promise<Target> {
  const sim: SimCluster = await startSimCluster({ name, workloadReadyDelayMs: 3_600_000 });
  return {
    name: 'kube-sim',
    async send(request) {
      const { body, headers } = encode(request);
      const response = await fetch(sim.url + request.path, {
        method: request.method,
        headers: { ...headers, authorization: `Bearer ${sim.token}` },
        ...(body !== undefined ? { body } : {}),
      });
      return { status: response.status, body: parseAnswerBody(await response.text()) };
    },
    close: () => sim.stop(),
  };
}

/** The shared real control plane, as its admin. */
export function realTarget(cluster: RealCluster): Target {
  const { server, caPem, adminToken } = cluster.info;
  return {
    name: 'kube-apiserver',
    send(request) {
      const { body, headers } = encode(request);
      return new Promise<Answer>((resolve, reject) => {
        const req = httpsRequest(
          new URL(request.path, server),
          {
            method: request.method,
            ca: caPem,
            headers: {
              ...headers,
              authorization: `Bearer ${adminToken}`,
              ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
            },
            timeout: 60_000,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseAnswerBody(Buffer.concat(chunks).toString('utf8')) }));
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path}: no answer in 60 s`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: async () => {},
  };
}
