/**
 * A whole fleet on real parts for end-to-end specs: a hub on a throwaway database of the real
 * PostgreSQL server, following a fresh bare Git repository, plus simulated clusters each with
 * a real agent. Every REST call goes through one helper (`api`), which sends the hub's admin
 * token as a bearer header.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { pino, type DestinationStream, type Logger } from 'pino';
import { startAgent, type AgentConfig, type AgentExtras, type RunningAgent } from '#agent';
import { launchHub, type HubConfig, type RunningHub } from '#hub';
import type * as contract from '../../hub/src/api-contract';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '#kube-sim';
import { BareRepo } from './git';
import { createThrowawayDatabase, type ThrowawayDatabase } from './postgres';

export interface FleetClusterSpec {
  name: string;
  labels?: Record<string, string>;
  /** Start no agent for it now (start one later with `fleet.startAgent`). */
  noAgent?: boolean;
}

export interface FleetOptions {
  /** Files of the first fleet commit. */
  files: Record<string, string>;
  clusters: FleetClusterSpec[];
  /** Hub settings on top of the fixture's (short poll and heartbeat intervals). */
  hub?: Partial<HubConfig>;
  /** Where the hub follows the fleet repository (default its file:// URL): e.g. served over HTTP with credentials. */
  fleetRepoUrl?: (repo: BareRepo) => Promise<string>;
  /** Simulator settings for every cluster (the fixture makes workloads quick by default). */
  sim?: SimClusterOptions;
  /** Agent heartbeat (default: the hub's heartbeat). */
  agentHeartbeatMs?: number;
  /** Agent engine settings (the fixture shortens the health wait by default). */
  agentEngine?: AgentExtras['engine'];
  logLevel?: string;
  /** Where the hub writes its log lines (tests read them back); by default standard output. */
  hubLogDestination?: DestinationStream;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** The hub's REST API; the one place that knows how to authenticate. */
export interface HubApi {
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  get<T = unknown>(path: string): Promise<ApiAnswer<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiAnswer<T>>;
  delete<T = unknown>(path: string): Promise<ApiAnswer<T>>;
  /** A request with a raw body and headers of the caller's choosing, without the API token (webhooks). */
  raw(method: string, path: string, body: string, headers: Record<string, string>): Promise<ApiAnswer<unknown>>;
}

export interface FleetCluster {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly sim: SimCluster;
  readonly core: k8s.CoreV1Api;
  readonly apps: k8s.AppsV1Api;
  agent: RunningAgent | undefined;
}

export interface Fleet {
  readonly hub: RunningHub;
  readonly repo: BareRepo;
  readonly db: ThrowawayDatabase;
  readonly bootstrapToken: string;
  readonly adminToken: string;
  readonly api: HubApi;
  readonly clusters: Record<string, FleetCluster>;
  readonly firstCommit: string;
  /** Where the fixture keeps the hub's data and each agent's cache (`agent-<cluster>`). */
  readonly workDir: string;
  cluster(name: string): FleetCluster;
  /** Starts (or restarts) the agent of a cluster; options override the fixture's. */
  startAgent(name: string, options?: Partial<AgentConfig>, extras?: AgentExtras): Promise<RunningAgent>;
  stopAgent(name: string): Promise<void>;
  /** A new simulated cluster, without an agent. */
  addCluster(spec: FleetClusterSpec): Promise<FleetCluster>;
  stop(): Promise<void>;
}

/** Default simulator settings: Pods run after 20 ms, a spec second lasts 5 ms. */
export const QUICK_SIM: SimClusterOptions = { workloadReadyDelayMs: 20, specSecondMs: 5 };

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const db = await createThrowawayDatabase('gitfleet_e2e_fleet');
  const repo = await BareRepo.create();
  const workDir = await mkdtemp(join(tmpdir(), 'gitfleet-e2e-fleet-'));
  const bootstrapToken = randomBytes(24).toString('hex');
  const adminToken = randomBytes(24).toString('hex');
  const logLevel = options.logLevel ?? 'silent';
  const firstCommit = await repo.commit(options.files, 'initial fleet');
  const clusters: Record<string, FleetCluster> = {};
  let hub: RunningHub | undefined;

  const stopAll = async () => {
    await Promise.allSettled(Object.values(clusters).map(async (c) => c.agent?.stop()));
    await hub?.stop().catch(() => undefined);
    await Promise.allSettled(Object.values(clusters).map((c) => c.sim.stop()));
    await db.drop().catch(() => undefined);
    await repo.remove().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  };

  try {
    const hubOptions: Parameters<typeof launchHub>[0] = {
      databaseUrl: db.url,
      dataDir: join(workDir, 'hub'),
      fleetRepoUrl: options.fleetRepoUrl ? await options.fleetRepoUrl(repo) : repo.url,
      bootstrapToken,
      adminToken,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 300,
      heartbeatIntervalMs: 1_000,
      logLevel,
      ...options.hub,
    };
    hub = (await launchHub(hubOptions, options.hubLogDestination)).hub;
    const api = hubApi(hub.httpUrl, adminToken);
    const heartbeatIntervalMs = options.agentHeartbeatMs ?? hubOptions.heartbeatIntervalMs ?? 1_000;
    const sim = { ...QUICK_SIM, ...options.sim };
    const engine: AgentExtras['engine'] = { ...options.agentEngine };

    const addCluster = async (spec: FleetClusterSpec): Promise<FleetCluster> => {
      if (clusters[spec.name]) throw new Error(`cluster ${spec.name} exists already`);
      const simCluster = await startSimCluster({ ...sim, name: spec.name });
      const kc = new k8s.KubeConfig();
      kc.loadFromString(simCluster.kubeconfig);
      const cluster: FleetCluster = {
        name: spec.name,
        labels: { ...spec.labels },
        sim: simCluster,
        core: kc.makeApiClient(k8s.CoreV1Api),
        apps: kc.makeApiClient(k8s.AppsV1Api),
        agent: undefined,
      };
      clusters[spec.name] = cluster;
      return cluster;
    };

    const fleet: Fleet = {
      hub,
      repo,
      db,
      bootstrapToken,
      adminToken,
      api,
      clusters,
      firstCommit,
      workDir,
      cluster(name) {
        const c = clusters[name];
        if (!c) throw new Error(`no cluster ${name} in this fleet`);
        return c;
      },
      async startAgent(name, agentOptions = {}, extras = {}) {
        const c = fleet.cluster(name);
        if (c.agent) throw new Error(`the agent of ${name} is running`);
        c.agent = await startAgent(
          {
            hubAddress: hub!.grpcAddress,
            bootstrapToken,
            clusterName: name,
            clusterLabels: { ...c.labels },
            kubeconfig: c.sim.kubeconfig,
            cacheDir: join(workDir, `agent-${name}`),
            heartbeatIntervalMs,
            logLevel,
            ...agentOptions,
          },
          { engine, ...extras },
        );
        return c.agent;
      },
      async stopAgent(name) {
        const c = fleet.cluster(name);
        const agent = c.agent;
        c.agent = undefined;
        await agent?.stop();
      },
      addCluster,
      stop: stopAll,
    };

    await Promise.all(options.clusters.map((spec) => addCluster(spec)));
    await Promise.all(options.clusters.filter((s) => !s.noAgent).map((s) => fleet.startAgent(s.name)));
    return fleet;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** REST client of a hub; every call carries `Authorization: Bearer <adminToken>`. */
export function hubApi(baseUrl: string, adminToken: string | undefined): HubApi {
  const auth = (): Record<string, string> => (adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` });
  const send = async <T>(method: string, path: string, body: string | undefined, headers: Record<string, string>) => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed as T };
  };
  const request = <T>(method: string, path: string, body?: unknown) =>
    send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), {
      ...auth(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    });
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    delete: (path) => request('DELETE', path),
    raw: (method, path, body, headers) => send(method, path, body, headers),
  };
}

// ---- What the hub's API answers: types of the hub's REST contract ----

/** GET /api/v1/clusters/:name (a list item of GET /api/v1/clusters has the bundles without their detail). */
export type ClusterView = contract.ClusterDetailView;
export type ClusterBundleView = contract.ClusterBundleDetailView;
export type ClusterListItem = contract.ClusterView;
export type RolloutView = contract.RolloutView;
export type FleetRepoView = contract.FleetRepoView;

// ---- Reading what landed on a simulated cluster ----

export function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

export async function readConfigMap(cluster: FleetCluster, namespace: string, name: string): Promise<k8s.V1ConfigMap | undefined> {
  try {
    return await cluster.core.readNamespacedConfigMap({ name, namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readDeployment(cluster: FleetCluster, namespace: string, name: string): Promise<k8s.V1Deployment | undefined> {
  try {
    return await cluster.apps.readNamespacedDeployment({ name, namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Names of the ConfigMaps gitfleet manages in a namespace of a cluster. */
export async function managedConfigMaps(cluster: FleetCluster, namespace: string): Promise<string[]> {
  try {
    const list = await cluster.core.listNamespacedConfigMap({ namespace, labelSelector: 'app.kubernetes.io/managed-by=gitfleet' });
    return list.items.map((cm) => cm.metadata!.name!).sort();
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** A pino logger that keeps every line it writes (to assert on an agent's log). */
export function capturingLogger(level = 'info'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines: () => [...lines] };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP relay between agents and the hub that can go silent: while `blackhole()` holds, bytes
 * are swallowed in both directions but no connection is closed — a network that drops
 * packets, which only heartbeats can notice. `restore()` closes the swallowed connections so
 * that peers reconnect through the relay.
 */
export interface SilentRelay {
  /** host:port to give agents instead of the hub's gRPC address. */
  readonly address: string;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startSilentRelay(target: string): Promise<SilentRelay> {
  const { createServer, connect } = await import('node:net');
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(target.slice(colon + 1));
  const sockets = new Set<import('node:net').Socket>();
  let silent = false;
  const server = createServer((downstream) => {
    const upstream = connect(port, host);
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    downstream.on('data', (chunk) => {
      if (!silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silent) downstream.write(chunk);
    });
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  return {
    address,
    blackhole() {
      silent = true;
    },
    restore() {
      silent = false;
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
