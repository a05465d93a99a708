/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager
 * (v1.24) on loopback, found through one variable, like envtest's KUBEBUILDER_ASSETS.
 *
 *   GITFLEET_KUBE_ASSETS=<dir>   holds kube-apiserver and kube-controller-manager (and etcd,
 *                                or etcd is on PATH). `.ci/run` unpacks them from
 *                                ../shared/kube-assets into .gitfleet/kube-assets.
 *
 * Without it the real-server tests skip, saying so (`realClusterSkipReason`). There is no
 * scheduler and no kubelet: Pods are created and stay Pending, as on a cluster whose nodes are
 * gone, so every wait a real cluster imposes is visible.
 *
 * Every write request is recorded in an audit log (Metadata level), so a test can count the
 * writes of one client: give each client an identity of its own (`identity()`), then ask
 * `writes()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const KUBE_ASSETS_ENV = 'GITFLEET_KUBE_ASSETS';

/** Why real-server tests are skipped here, or undefined when they can run. */
export function realClusterSkipReason(): string | undefined {
  const assets = process.env[KUBE_ASSETS_ENV];
  if (!assets)
    return `${KUBE_ASSETS_ENV} is not set: real kube-apiserver tests skipped (bash .ci/run sets it up from ../shared/kube-assets)`;
  for (const binary of ['kube-apiserver', 'kube-controller-manager']) {
    if (!existsSync(join(assets, binary))) return `${KUBE_ASSETS_ENV}=${assets} has no ${binary}: real kube-apiserver tests skipped`;
  }
  if (etcdBinary(assets) === undefined)
    return `no etcd in ${assets} nor on PATH (Debian: apt-get install etcd-server): real kube-apiserver tests skipped`;
  return undefined;
}

function etcdBinary(assets: string): string | undefined {
  if (existsSync(join(assets, 'etcd'))) return join(assets, 'etcd');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'etcd'))) return join(dir, 'etcd');
  return undefined;
}

/** What a test needs to reach the control plane; plain data, so it can be shared between test processes. */
export interface RealClusterInfo {
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM of the API server's serving certificate (self-signed: it is its own CA). */
  caPem: string;
  /** Bearer token of the `admin` user (system:masters). */
  adminToken: string;
  /** kubeconfig YAML for the admin user. */
  kubeconfig: string;
  /** kubeconfig file of the admin user. */
  kubeconfigPath: string;
  auditLogPath: string;
  dir: string;
  pids: number[];
}

export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  stageTimestamp: string;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class RealCluster {
  constructor(readonly info: RealClusterInfo) {}

  get kubeconfig(): string {
    return this.info.kubeconfig;
  }

  /**
   * A ServiceAccount bound to cluster-admin with a token of its own: its kubeconfig, and the
   * user name its requests carry in the audit log.
   */
  async identity(
    name: string,
    options: { clusterAdmin?: boolean; namespace?: string } = {},
  ): Promise<{ user: string; kubeconfig: string; token: string }> {
    const namespace = options.namespace ?? 'gitfleet-test-identities';
    await this.apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await this.apply(`/api/v1/namespaces/${namespace}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace },
    });
    if (options.clusterAdmin ?? true) {
      await this.apply('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `gitfleet-test-${namespace}-${name}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      });
    }
    const token = await this.serviceAccountToken(namespace, name);
    return {
      user: `system:serviceaccount:${namespace}:${name}`,
      kubeconfig: kubeconfigFor(this.info.server, this.info.caPem, name, token),
      token,
    };
  }

  /** A token for a ServiceAccount (TokenRequest, one hour). */
  async serviceAccountToken(namespace: string, name: string): Promise<string> {
    const answer = (await this.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    })) as { status: { token: string } };
    return answer.status.token;
  }

  /** Audit events of write requests (dry-runs excluded) by `user` since `since`. */
  async writes(user: string, since: Date): Promise<AuditEvent[]> {
    return (await this.auditEvents(since)).filter(
      (e) => e.user.username === user && WRITE_VERBS.has(e.verb) && !/[?&]dryRun=/.test(e.requestURI),
    );
  }

  /** Every audit event (write verbs only are recorded) since `since`. */
  async auditEvents(since: Date): Promise<AuditEvent[]> {
    const text = await readFile(this.info.auditLogPath, 'utf8');
    const events: AuditEvent[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as AuditEvent;
      if (new Date(event.stageTimestamp) >= since) events.push(event);
    }
    return events;
  }

  /** An admin request to the API server (JSON in, JSON out); rejects on a status ≥ 400 other than 409 for POST. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    return apiRequest(this.info, method, path, body, contentType);
  }

  private async apply(collection: string, object: Record<string, unknown>): Promise<void> {
    try {
      await this.request('POST', collection, object);
    } catch (error) {
      if (!(error instanceof ApiStatusError && error.code === 409)) throw error;
    }
  }
}

export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function apiRequest(
  info: Pick<RealClusterInfo, 'server' | 'caPem' | 'adminToken'>,
  method: string,
  path: string,
  body: unknown,
  contentType: string,
): Promise<unknown> {
  const url = new URL(path, info.server);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: info.caPem,
        headers: {
          authorization: `Bearer ${info.adminToken}`,
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 400)
            reject(new ApiStatusError(res.statusCode ?? 0, `${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`));
          else resolve(String(res.headers['content-type']).startsWith('application/json') ? JSON.parse(text) : text);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function kubeconfigFor(server: string, caPem: string, user: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: real`,
    `  cluster: {server: "${server}", certificate-authority-data: "${ca}"}`,
    'users:',
    `- name: ${user}`,
    `  user: {token: "${token}"}`,
    'contexts:',
    `- name: real`,
    `  context: {cluster: real, user: ${user}}`,
    'current-context: real',
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Metadata
  verbs: [create, update, patch, delete, deletecollection]
- level: None
`;

/**
 * Starts a control plane of its own in a new directory (ports chosen free). Its processes are
 * detached, so that another test process may stop it (`stopRealCluster`).
 */
export async function startRealCluster(options: { dir?: string } = {}): Promise<RealCluster> {
  const reason = realClusterSkipReason();
  if (reason !== undefined) throw new Error(reason);
  const assets = process.env[KUBE_ASSETS_ENV]!;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'gitfleet-kube-')));
  await mkdir(join(dir, 'certs'), { recursive: true });
  const [apiPort, etcdPort, etcdPeerPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(16).toString('hex');
  const controllerToken = randomBytes(16).toString('hex');
  await writeFile(
    join(dir, 'tokens.csv'),
    `${adminToken},admin,admin,system:masters\n${controllerToken},system:kube-controller-manager,kcm,system:masters\n`,
  );
  await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
  await run('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048']);
  await run('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]);

  const pids: number[] = [];
  const started: ChildProcess[] = [];
  const launch = (binary: string, args: string[], log: string): void => {
    const out = openSync(join(dir, log), 'a');
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    if (child.pid !== undefined) pids.push(child.pid);
    started.push(child);
  };
  try {
    launch(
      etcdBinary(assets)!,
      [
        '--data-dir',
        join(dir, 'etcd'),
        '--listen-client-urls',
        `http://127.0.0.1:${etcdPort}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${etcdPort}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${etcdPeerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${etcdPeerPort}`,
        '--initial-cluster',
        `default=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync',
      ],
      'etcd.log',
    );
    launch(
      join(assets, 'kube-apiserver'),
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false',
        `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
        `--audit-log-path=${join(dir, 'audit.log')}`,
        '--audit-log-maxsize=0',
      ],
      'apiserver.log',
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const caPem = await waitFor(() => readFile(join(dir, 'certs', 'apiserver.crt'), 'utf8'), 60_000, 'the API server certificate');
    await waitFor(
      () =>
        apiRequest({ server, caPem, adminToken }, 'GET', '/readyz', undefined, 'application/json').catch(() => {
          throw new Error('not ready yet');
        }),
      90_000,
      `kube-apiserver on ${server} (see ${join(dir, 'apiserver.log')})`,
      started,
    );
    const kubeconfig = kubeconfigFor(server, caPem, 'admin', adminToken);
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfig);
    const controllerKubeconfig = join(dir, 'kcm.kubeconfig');
    await writeFile(controllerKubeconfig, kubeconfigFor(server, caPem, 'kcm', controllerToken));
    launch(
      join(assets, 'kube-controller-manager'),
      [
        `--kubeconfig=${controllerKubeconfig}`,
        '--leader-elect=false',
        `--service-account-private-key-file=${join(dir, 'sa.key')}`,
        '--use-service-account-credentials=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service',
      ],
      'kcm.log',
    );
    const info: RealClusterInfo = {
      server,
      caPem,
      adminToken,
      kubeconfig,
      kubeconfigPath,
      auditLogPath: join(dir, 'audit.log'),
      dir,
      pids,
    };
    await writeFile(join(dir, 'cluster.json'), JSON.stringify(info));
    const cluster = new RealCluster(info);
    // The default ServiceAccount appears once the controller manager runs: a sign it is up.
    await waitFor(
      () => cluster.request('GET', '/api/v1/namespaces/default/serviceaccounts/default'),
      60_000,
      'the controller manager (default ServiceAccount)',
      started,
    );
    return cluster;
  } catch (error) {
    await stopProcesses(pids);
    throw error;
  }
}

/** Stops a control plane started by startRealCluster (from any process) and removes its directory. */
export async function stopRealCluster(info: Pick<RealClusterInfo, 'pids' | 'dir'>, options: { keepDir?: boolean } = {}): Promise<void> {
  await stopProcesses(info.pids);
  if (!options.keepDir) await rm(info.dir, { recursive: true, force: true });
}

async function stopProcesses(pids: number[]): Promise<void> {
  for (const pid of [...pids].reverse()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
    if (alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The control plane shared by every test file of one vitest run: started by the first test
 * that asks, in the directory the global setup provides (test/support/global-setup.ts), and
 * stopped by its teardown. Test files share it, so each one works in namespaces and with
 * cluster-scoped names of its own.
 */
export async function sharedRealCluster(): Promise<RealCluster> {
  // Loaded here, not at the top: benchmarks use this module outside vitest.
  const { inject } = await import('vitest');
  const dir = (inject as (key: string) => string | undefined)('realClusterDir');
  if (!dir) return startRealCluster(); // outside vitest's global setup: a cluster of its own
  const infoFile = join(dir, 'cluster', 'cluster.json');
  let owner = false;
  try {
    closeSync(openSync(join(dir, 'lock'), 'wx'));
    owner = true;
  } catch {
    owner = false;
  }
  if (owner) {
    try {
      const cluster = await startRealCluster({ dir: join(dir, 'cluster') });
      await writeFile(join(dir, 'cluster', 'ready'), '');
      return cluster;
    } catch (error) {
      await writeFile(join(dir, 'failed'), (error as Error).message);
      throw error;
    }
  }
  const info = await waitFor(
    async () => {
      if (existsSync(join(dir, 'failed')))
        throw new FatalWait(`the shared control plane did not start: ${await readFile(join(dir, 'failed'), 'utf8')}`);
      if (!existsSync(join(dir, 'cluster', 'ready'))) throw new Error('not ready yet');
      return JSON.parse(await readFile(infoFile, 'utf8')) as RealClusterInfo;
    },
    150_000,
    'the shared control plane',
  );
  return new RealCluster(info);
}

class FatalWait extends Error {}

async function waitFor<T>(probe: () => Promise<T>, timeoutMs: number, what: string, processes: ChildProcess[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (error instanceof FatalWait) throw error;
      last = error;
    }
    const dead = processes.find((p) => p.exitCode !== null);
    if (dead) throw new Error(`${what}: ${dead.spawnfile} exited with code ${dead.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s: ${(last as Error)?.message ?? last}`);
    await sleep(200);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}
