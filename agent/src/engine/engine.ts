import type { TargetSet } from '#proto';
import type { BackoffOptions } from '../link/backoff';
import type { Logger } from '../logger';
import type { GitCache } from '../source/git-cache';
import { defaultSourceLimits, type SourceLimits } from '../source/limits';
import type { TargetSyncResult } from './change-set';
import { defaultCrdWaitOptions, type CrdWaitOptions } from './crd-wait';
import type { ObjectClient } from './object-client';
import type { TargetSetStore } from './target-set-store';
import type { TargetSyncDeps } from './target-sync';
import { TargetWorker } from './target-worker';

export interface EngineOptions {
  cache: GitCache;
  client: ObjectClient;
  store: TargetSetStore;
  logger: Logger;
  /** Told about every sync: a PROGRESSING result when it starts, the outcome when it ends. */
  onResult: (result: TargetSyncResult) => void;
  limits?: SourceLimits;
  concurrency?: number;
  retryBackoff?: BackoffOptions;
  crdWait?: CrdWaitOptions;
}

/**
 * Keeps the cluster at its TargetSet: each target is synced in sequence with itself and
 * concurrently with the others. A target whose key (bundle, source, commit, path, namespace,
 * values) equals its last successful apply is left alone.
 */
export class Engine {
  private readonly workers = new Map<string, TargetWorker>();
  private readonly deps: TargetSyncDeps;
  private held: TargetSet | undefined;
  private scheduled: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.deps = {
      cache: options.cache,
      client: options.client,
      limits: options.limits ?? defaultSourceLimits(),
      logger: options.logger,
      concurrency: options.concurrency ?? 8,
      crdWait: options.crdWait ?? defaultCrdWaitOptions(),
    };
  }

  /** Picks up a stored TargetSet, if the store has one (issue 4: the in-cluster store). */
  async start(): Promise<void> {
    const stored = await this.options.store.load();
    if (stored) this.reconcile(stored);
  }

  /** Checksum of the TargetSet held, "" if none. */
  heldChecksum(): string {
    return this.held?.checksum ?? '';
  }

  /** Stores the TargetSet (then it may be acked) and starts reconciling towards it. */
  async takeTargetSet(targetSet: TargetSet): Promise<void> {
    if (this.stopped) return;
    const previous = this.held?.revision;
    if (previous !== undefined && isOlder(targetSet.revision, previous)) {
      // A TargetSet always replaces the previous one; an older revision is unusual (hub
      // restored from backup?) but still the hub's word.
      this.options.logger.warn({ revision: targetSet.revision, previous }, 'TargetSet revision went backwards');
    }
    await this.options.store.save(targetSet);
    this.held = targetSet;
    // Reconciling starts on the next turn, so that the link's ack goes out before any report.
    this.scheduled = new Promise<void>((resolve) =>
      setImmediate(() => {
        if (!this.stopped) this.reconcile(targetSet);
        resolve();
      }),
    );
  }

  /** Resolves when no sync is running or due to run now (retries waiting on a timer aside). */
  async idle(): Promise<void> {
    await this.scheduled;
    for (;;) {
      const running = [...this.workers.values()].map((worker) => worker.running).filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const worker of this.workers.values()) worker.cancel();
    await this.idle();
  }

  private reconcile(targetSet: TargetSet): void {
    this.held = targetSet;
    const bundles = new Set(targetSet.targets.map((target) => target.bundle));
    for (const [bundle, worker] of this.workers) {
      if (!bundles.has(bundle)) {
        // Pruning what a removed bundle applied comes with the inventory (issue 4).
        worker.cancel();
        this.workers.delete(bundle);
      }
    }
    for (const target of targetSet.targets) {
      let worker = this.workers.get(target.bundle);
      if (!worker) {
        worker = new TargetWorker(this.deps, this.options, target.bundle);
        this.workers.set(target.bundle, worker);
      }
      worker.want(target, targetSet.revision);
    }
    void this.options.cache
      .prune(targetSet.targets.flatMap((t) => (t.source ? [{ repoUrl: t.source.repoUrl, commit: t.source.commit }] : [])))
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not prune the git cache'));
  }
}

function isOlder(revision: string, than: string): boolean {
  try {
    return BigInt(revision) < BigInt(than);
  } catch {
    return false;
  }
}
