import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Target, type TargetSet } from '#proto';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '#kube-sim';
import { BareRepo } from '../../../test/support/git';
import { type TargetSyncResult } from '../model/change-set';
import { formatRef } from '../model/object-ref';
import { Engine, type EngineOptions } from '../engine/engine';
import { loadKubeConfig, ObjectClient } from '../kube/object-client';
import { MemoryTargetSetStore, type TargetSetStore } from '../engine/target-set-store';
import { createLogger } from '../logger';
import { GitCache } from '../source/git-cache';

/**
 * A cluster, a git repository and an engine wired together, for behaviour tests: commit
 * manifests, push targets, read what the engine reported and what the cluster holds. The
 * cluster is a simulated one of its own, or any cluster given by a kubeconfig (the real API
 * server); there the engine keeps its inventories in an agent namespace of its own, so that
 * engines of several test files never take each other's bundles for removed ones.
 */
export class EngineHarness {
  results: TargetSyncResult[] = [];
  engine!: Engine;
  private revision = 0;

  private constructor(
    /** The simulated cluster, when the harness started one. */
    readonly sim: SimCluster | undefined,
    readonly repo: BareRepo,
    readonly cacheDir: string,
    readonly client: ObjectClient,
    readonly agentNamespace: string,
    /** client-node's own object API, for tests acting as another manager (kubectl, a controller). */
    readonly editor: KubernetesObjectApi,
  ) {}

  static async start(
    options: {
      sim?: SimClusterOptions;
      /** Use this cluster instead of a simulated one; `agentNamespace` is created if absent. */
      cluster?: { kubeconfig: string; agentNamespace: string };
      engine?: Partial<EngineOptions>;
      store?: TargetSetStore;
    } = {},
  ): Promise<EngineHarness> {
    const sim = options.cluster ? undefined : await startSimCluster({ name: 'engine-test', workloadReadyDelayMs: 100, ...options.sim });
    const kubeconfig = options.cluster?.kubeconfig ?? sim!.kubeconfig;
    const agentNamespace = options.cluster?.agentNamespace ?? 'gitfleet-system';
    const repo = await BareRepo.create();
    const cacheDir = await mkdtemp(join(tmpdir(), 'gitfleet-engine-'));
    const client = ObjectClient.fromKubeConfig(loadKubeConfig(kubeconfig));
    if (options.cluster) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: agentNamespace } });
    const harness = new EngineHarness(
      sim,
      repo,
      cacheDir,
      client,
      agentNamespace,
      KubernetesObjectApi.makeApiClient(loadKubeConfig(kubeconfig)),
    );
    harness.engine = harness.makeEngine(options.engine, options.store);
    await harness.engine.start();
    return harness;
  }

  /** The simulated cluster (only for harnesses that started one). */
  get cluster(): SimCluster {
    if (!this.sim) throw new Error('this harness runs against a given cluster, not a simulated one');
    return this.sim;
  }

  makeEngine(options: Partial<EngineOptions> = {}, store: TargetSetStore = new MemoryTargetSetStore()): Engine {
    return new Engine({
      cache: new GitCache(this.cacheDir),
      client: this.client,
      store,
      logger: createLogger('silent'),
      namespace: this.agentNamespace,
      onResult: (result) => this.results.push(result),
      retryBackoff: { baseMs: 60_000, factor: 2, capMs: 60_000, resetAfterMs: Infinity },
      reportDelayMs: 10,
      ...options,
    });
  }

  target(commit: string, bundle: string, extra: Partial<Target> = {}): Target {
    return Target.fromPartial({
      bundle,
      source: { repoUrl: this.repo.url, commit, path: `apps/${bundle}` },
      defaultNamespace: bundle,
      ...extra,
    });
  }

  /** Pushes a TargetSet and waits until the engine is idle. */
  async push(...targets: Target[]): Promise<TargetSet> {
    this.revision += 1;
    const targetSet = { revision: String(this.revision), checksum: `sum-${this.revision}`, targets, baseChecksum: '', keptBundles: [] };
    await this.engine.takeTargetSet(targetSet);
    await this.engine.idle();
    return targetSet;
  }

  /** Results of finished syncs (not PROGRESSING) of a bundle. */
  finals(bundle: string): TargetSyncResult[] {
    return this.results.filter((r) => r.bundle === bundle && r.phase !== 'progressing' && (r.reason ?? 'sync') === 'sync');
  }

  reports(bundle: string, reason: 'drift' | 'health'): TargetSyncResult[] {
    return this.results.filter((r) => r.bundle === bundle && r.reason === reason);
  }

  async live(apiVersion: string, kind: string, name: string, namespace?: string): Promise<Record<string, unknown> | undefined> {
    return (await this.client.readIfExists({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) })) as
      Record<string, unknown> | undefined;
  }

  /** The store's resourceVersion: it moves on every write to the cluster, by anyone. */
  async storeRevision(): Promise<number> {
    return Number((await this.client.listAll('v1', 'Namespace', '')).resourceVersion);
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    this.client.close();
    await this.sim?.stop();
    await this.repo.remove();
    await rm(this.cacheDir, { recursive: true, force: true });
  }
}

export function actionsOf(result: TargetSyncResult): Record<string, string> {
  return Object.fromEntries(result.changes.map((c) => [formatRef(c.ref), c.action]));
}
