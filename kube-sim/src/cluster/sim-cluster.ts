import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApiServer } from '../api/api-server';
import { Discovery } from '../discovery/discovery';
import { createApiHandler } from '../http/api-handler';
import { ObjectStore } from '../store/object-store';
import { ClusterClient } from '../controllers/cluster-client';
import { renderKubeconfig } from './kubeconfig';
import { DualProtocolServer } from './dual-protocol-server';
import { TlsIdentity, createSelfSignedCertificate } from './self-signed-certificate';
import { ControllerRunner } from '../controllers/controller-runner';
import { createControllers } from '../controllers/all-controllers';
import type { KubeObject } from '../json-value';
import { DEFAULT_FAILURE_MARKERS, ImageFailureMarkers } from '../controllers/image-failures';

export interface SimClusterOptions {
  name?: string;
  host?: string;
  port?: number;
  token?: string;
  /** How long a Pod stays Pending before the simulated kubelet runs it (default 500). */
  workloadReadyDelayMs?: number;
  kubeconfigPath?: string;
  /**
   * Real milliseconds per second of a duration written in a spec: progressDeadlineSeconds,
   * container restart and Job back-offs, activeDeadlineSeconds (default 1000). Tests make
   * failures show quickly with a small value, e.g. 5 (a 600 s deadline lasts 3 s).
   */
  specSecondMs?: number;
  /** Substrings of a container image that make its Pods fail (default `fail-pull`, `crash-loop`). */
  failureMarkers?: Partial<ImageFailureMarkers>;
  /** Store events kept for watches from an old resourceVersion (default 1000); older ones get 410 Gone. */
  watchHistoryLimit?: number;
  /** How often a watch that asked for bookmarks gets one (default 5000 ms); one more comes as it times out. */
  bookmarkIntervalMs?: number;
  /**
   * Models the round trip to a remote API server: every HTTP request is handled this many ms
   * after it arrives, without holding up the others (they overlap, as a real API server
   * serves them in parallel). Default 0: handled at once. For benchmarks.
   */
  requestLatencyMs?: number;
}

export interface SimCluster {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  readonly kubeconfig: string;
  readonly kubeconfigPath?: string;
  readonly kubeSystemUid: string;
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Starts one simulated cluster: store, API, controllers and an HTTP server on loopback. */
export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const name = options.name ?? 'sim';
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(16).toString('hex');
  const store = new ObjectStore(options.watchHistoryLimit ?? 1000);
  const api = new ApiServer(store, new Discovery());
  const tls = tlsIdentity();
  // Controllers start first so that they see the system namespaces being created.
  const runner = new ControllerRunner(
    store,
    createControllers(api, {
      workloadReadyDelayMs: options.workloadReadyDelayMs ?? 500,
      specSecondMs: options.specSecondMs ?? 1000,
      failureMarkers: { ...DEFAULT_FAILURE_MARKERS, ...options.failureMarkers },
      caPem: tls.cert,
    }),
  );
  runner.start();
  const system = new ClusterClient(api, 'kube-apiserver');
  for (const ns of SYSTEM_NAMESPACES) system.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const kubeSystemUid = String((system.get('v1', 'Namespace', undefined, 'kube-system') as KubeObject).metadata['uid']);

  let address = '';
  const handler = createApiHandler(api, { token, serverAddress: () => address, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000 });
  const latency = options.requestLatencyMs ?? 0;
  const server = new DualProtocolServer(latency > 0 ? (req, res) => void setTimeout(() => handler(req, res), latency) : handler, tls);
  const port = await server.listen(options.port ?? 0, host);
  address = `${host}:${port}`;
  const url = `http://${host}:${port}`;
  const kubeconfig = renderKubeconfig(name, `https://${host}:${port}`, token);
  if (options.kubeconfigPath) {
    await mkdir(dirname(options.kubeconfigPath), { recursive: true });
    await writeFile(options.kubeconfigPath, kubeconfig, { mode: 0o600 });
  }

  return {
    name,
    url,
    token,
    kubeconfig,
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
    kubeSystemUid,
    async stop() {
      runner.stop();
      await server.close();
    },
  };
}

let sharedIdentity: TlsIdentity | undefined;

/** One certificate per process: clusters differ by port, and key generation is not free. */
function tlsIdentity(): TlsIdentity {
  sharedIdentity ??= createSelfSignedCertificate();
  return sharedIdentity;
}
