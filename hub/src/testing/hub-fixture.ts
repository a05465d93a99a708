import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import {
  AgentMessage,
  FleetClient,
  HealthStatus,
  ReportReason,
  ResourceAction,
  SyncPhase,
  type DeepPartial,
  type HubMessage,
  type RegisterRequest,
  type RegisterResponse,
  type StatusReport,
} from '#proto';
import { BareRepo } from '../../../test/support/git';
export { eventually } from '../../../test/support/eventually';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import type { HubConfig } from '../config/hub-config';
import { launchHub, type RunningHub } from '../hub';
import type { DestinationStream } from 'pino';

/** Test scaffolding for hub integration specs: real PostgreSQL, real git, real gRPC. */

export const BUNDLE = (name: string, selector = '{}', path = `apps/${name}`) => `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: ${name}
spec:
  source:
    path: ${path}
  namespace: ${name}
  targets:
    - clusterSelector: ${selector}
`;

export const CONFIGMAP = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

export interface TestHub {
  hub: RunningHub;
  app: INestApplicationContext;
  db: ThrowawayDatabase;
  repo: BareRepo;
  bootstrapToken: string;
  /** ADMIN_TOKEN of this hub: get and request send it. */
  adminToken: string;
  get<T>(path: string): Promise<{ status: number; body: T }>;
  /** Any method, JSON body; a 204 answer has body null. */
  request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** As request, with another API token (null: none at all). */
  requestAs<T>(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Creates an API token through the API (as admin) and returns its secret. */
  apiToken(
    name: string,
    role: 'viewer' | 'operator' | 'admin',
    extra?: { scope?: { clusterGroups?: string[]; bundles?: string[] }; ttlSeconds?: number },
  ): Promise<string>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** A hub on a throwaway database of the real server, following a fresh bare repo holding `files`. */
export async function startTestHub(
  files: Record<string, string>,
  config: Partial<HubConfig> = {},
  /** Where the hub's log lines go (with config.logLevel set), for specs that read them. */
  logDestination?: DestinationStream,
): Promise<TestHub> {
  const db = await createThrowawayDatabase('gitfleet_hub');
  const repo = await BareRepo.create();
  await repo.commit(files, 'initial fleet');
  const dataDir = await mkdtemp(join(tmpdir(), 'gitfleet-hub-'));
  const bootstrapToken = randomBytes(24).toString('hex');
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const { hub, app } = await launchHub(
    {
      databaseUrl: db.url,
      dataDir,
      fleetRepoUrl: repo.url,
      bootstrapToken,
      adminToken,
      httpPort: 0,
      grpcPort: 0,
      fleetPollIntervalMs: 60_000,
      logLevel: 'silent',
      ...config,
    },
    logDestination,
  );
  const { Client } = await import('pg');
  const requestAs = async <T>(token: string | null, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${hub.httpUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
  };
  return {
    hub,
    app,
    db,
    repo,
    bootstrapToken,
    adminToken,
    get: <T>(path: string) => requestAs<T>(adminToken, 'GET', path),
    request: <T>(method: string, path: string, body?: unknown) => requestAs<T>(adminToken, method, path, body),
    requestAs,
    async apiToken(name, role, extra = {}) {
      const { status, body } = await requestAs<{ token: string }>(adminToken, 'POST', '/api/v1/api-tokens', { name, role, ...extra });
      if (status !== 201) throw new Error(`creating API token ${name} answered ${status}: ${JSON.stringify(body)}`);
      return body.token;
    },
    async query<T>(sql: string, params: unknown[] = []) {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    async stop() {
      await hub.stop();
      await db.drop();
      await repo.remove();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A hand-driven agent: registers, connects and records everything the hub sends. */
export class TestAgent {
  readonly client: FleetClient;

  /** Plaintext unless `channel` says otherwise (TLS, with a client certificate for mutual TLS). */
  constructor(grpcAddress: string, channel: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    this.client = new FleetClient(grpcAddress, channel);
  }

  register(request: Partial<RegisterRequest> & Pick<RegisterRequest, 'bootstrapToken'>): Promise<RegisterResponse> {
    const full: RegisterRequest = {
      clusterUid: randomBytes(8).toString('hex'),
      name: 'c1',
      labels: {},
      agentVersion: 'test',
      csr: '',
      ...request,
    };
    return new Promise((resolve, reject) => this.client.register(full, (error, response) => (error ? reject(error) : resolve(response))));
  }

  /** Connect with a bearer credential, or (null) with none: the client certificate alone, if any. */
  connect(credential: string | null): TestStream {
    const metadata = new grpc.Metadata();
    if (credential !== null) metadata.set('authorization', `Bearer ${credential}`);
    return new TestStream(this.client.connect(metadata));
  }

  close(): void {
    this.client.close();
  }
}

type HubKind = NonNullable<HubMessage['kind']>['$case'];
type HubValue<K extends HubKind> = Extract<NonNullable<HubMessage['kind']>, { $case: K }>['value'];

export class TestStream {
  readonly received: HubMessage[] = [];
  /** Set when the call ended; OK for a clean end. */
  status: grpc.StatusObject | undefined;
  private waiters: (() => void)[] = [];
  private heartbeats: NodeJS.Timeout | undefined;

  constructor(readonly call: grpc.ClientDuplexStream<AgentMessage, HubMessage>) {
    call.on('data', (message: HubMessage) => {
      this.received.push(message);
      this.wake();
    });
    call.on('status', (status: grpc.StatusObject) => {
      clearInterval(this.heartbeats);
      this.status = status;
      this.wake();
    });
    call.on('error', () => undefined);
  }

  /** Sends a message; fields left out get their proto defaults, as on the wire. */
  send(kind: DeepPartial<AgentMessage>['kind']): void {
    this.call.write(AgentMessage.fromPartial({ kind }));
  }

  /**
   * Heartbeats every `everyMs` until close(), as a real agent does: with a short hub interval,
   * a commit or an API call on a loaded machine can outlast the hub's three intervals of silence.
   */
  keepAlive(everyMs = 100): void {
    clearInterval(this.heartbeats);
    this.heartbeats = setInterval(() => this.send({ $case: 'heartbeat', value: { sentAt: new Date().toISOString() } }), everyMs);
  }

  hello(clusterId: string, targetSetChecksum = '', capabilities: string[] = []): void {
    this.send({ $case: 'hello', value: { clusterId, agentVersion: 'test', capabilities, targetSetChecksum, lastAckedSeq: '' } });
  }

  /**
   * Sends a StatusReport: by default the bundle synced and healthy at `commit`, concluding a
   * sync that started a second ago, with one ConfigMap. Returns the seq.
   */
  report(bundle: string, commit: string, fields: DeepPartial<StatusReport> = {}): string {
    const seq = (fields.seq ?? String(++TestStream.seq)).toString();
    const now = Date.now();
    this.send({
      $case: 'statusReport',
      value: {
        seq,
        bundle,
        commit,
        phase: SyncPhase.SYNC_PHASE_SYNCED,
        health: HealthStatus.HEALTH_STATUS_HEALTHY,
        reason: ReportReason.REPORT_REASON_SYNC,
        observedAt: new Date(now).toISOString(),
        syncStartedAt: new Date(now - 1000).toISOString(),
        summary: { created: 1 },
        resources: [
          {
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: bundle, name: bundle },
            action: ResourceAction.RESOURCE_ACTION_CREATED,
            health: HealthStatus.HEALTH_STATUS_HEALTHY,
          },
        ],
        ...fields,
      },
    });
    return seq;
  }

  /** Waits until the hub acked a seq (on its own, or among a StatusAck's more_seqs). */
  async acked(seq: string, timeoutMs = 10_000): Promise<void> {
    const acked = () => this.ofKind('statusAck').some((a) => a.seq === seq || a.moreSeqs.includes(seq));
    await this.until(() => acked() || this.status !== undefined, timeoutMs);
    if (!acked()) throw new Error(`stream ended (${this.status?.code} ${this.status?.details}) before ack of ${seq}`);
  }

  /** Report seqs increase across all streams of a test file, like an agent's microsecond clock. */
  private static seq = Date.now() * 1000;

  /** Waits for the n-th (1-based) message of a kind, returning its value. */
  async nth<K extends HubKind>(kind: K, n = 1, timeoutMs = 10_000): Promise<HubValue<K>> {
    const found = () => this.ofKind(kind)[n - 1];
    await this.until(() => found() !== undefined || this.status !== undefined, timeoutMs);
    const value = found();
    if (value === undefined) throw new Error(`stream ended (${this.status?.code} ${this.status?.details}) before ${kind} #${n}`);
    return value;
  }

  ofKind<K extends HubKind>(kind: K): HubValue<K>[] {
    return this.received.flatMap((m) => (m.kind?.$case === kind ? [m.kind.value as HubValue<K>] : []));
  }

  async ended(timeoutMs = 10_000): Promise<grpc.StatusObject> {
    await this.until(() => this.status !== undefined, timeoutMs);
    return this.status!;
  }

  close(): void {
    clearInterval(this.heartbeats);
    this.call.end();
    this.call.cancel();
  }

  private until(condition: () => boolean, timeoutMs: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
