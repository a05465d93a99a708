import type { BundlePolicy } from '#core';
import type { Target, TargetSet } from '#proto';
import { DriftMonitor, keyOfObject, type DriftSubject } from '../drift/drift-monitor';
import { InSyncLedger } from '../drift/in-sync-ledger';
import { LiveCache } from '../kube/live-cache';
import { inventoryKey } from '../inventory/inventory';
import { InventoryStore } from '../inventory/inventory-store';
import type { BackoffOptions } from '#core';
import type { Logger } from '../logger';
import type { ArtifactCache } from '../source/artifact-cache';
import type { GitCache } from '../source/git-cache';
import { defaultSourceLimits, type SourceLimits } from '../source/limits';
import { BundleStatus } from './bundle-status';
import type { ReportReason, TargetSyncResult } from '../model/change-set';
import { Claims } from './claims';
import { defaultCrdWaitOptions, type CrdWaitOptions } from '../kube/crd-wait';
import type { ObjectClient } from '../kube/object-client';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './prepare';
import { removeTarget } from './removed-target';
import { healthOf } from './sync-health';
import type { TargetSetStore } from './target-set-store';
import type { TargetSyncDeps, TargetSyncOutcome } from './target-sync';
import { TargetWorker } from './target-worker';

export interface EngineOptions {
  cache: GitCache;
  /** Sources the hub packed, fetched from it; without it every target comes from Git. */
  artifacts?: ArtifactCache;
  client: ObjectClient;
  store: TargetSetStore;
  logger: Logger;
  /** Told about every sync (PROGRESSING/WAITING when it starts, the outcome when it ends) and every drift/health change. */
  onResult: (result: TargetSyncResult) => void;
  /** The agent's namespace, where inventories are kept (default gitfleet-system). */
  namespace?: string;
  limits?: SourceLimits;
  concurrency?: number;
  retryBackoff?: BackoffOptions;
  crdWait?: CrdWaitOptions;
  /** Full resync of every target, the backstop behind the watches (default 10 min; 0 = never). */
  resyncIntervalMs?: number;
  /** Delay that gathers drift and health changes into one report per bundle. */
  reportDelayMs?: number;
  /** The agent's own bundle policy (AGENT_POLICY): every target must pass it as well as the hub's. */
  policy?: BundlePolicy;
}

/**
 * Keeps the cluster at its TargetSet: each target is synced in sequence with itself and
 * concurrently with the others; its objects are then watched for drift and health. A target
 * whose key (bundle, source, commit, path, namespace, values, render) equals its last
 * apply is left alone, except on SyncNow and the periodic resync.
 */
export class Engine {
  private readonly workers = new Map<string, TargetWorker>();
  private readonly status = new Map<string, BundleStatus>();
  private readonly deps: TargetSyncDeps;
  private readonly live: LiveCache;
  private readonly drift: DriftMonitor;
  private readonly claims = new Claims();
  private readonly ledger = new InSyncLedger();
  private readonly reportTimers = new Map<string, { timer: NodeJS.Timeout; reason: ReportReason }>();
  private readonly removals = new Set<Promise<void>>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private held: TargetSet | undefined;
  private scheduled: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.live = new LiveCache(options.client, options.logger, {
      labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      retryMs: 1000,
      watchSeconds: 300,
    });
    this.deps = {
      cache: options.cache,
      ...(options.artifacts ? { artifacts: options.artifacts } : {}),
      client: options.client,
      live: this.live,
      inventory: new InventoryStore(options.client, options.namespace ?? 'gitfleet-system'),
      claims: this.claims,
      limits: options.limits ?? defaultSourceLimits(),
      logger: options.logger,
      concurrency: options.concurrency ?? 16,
      crdWait: options.crdWait ?? defaultCrdWaitOptions(),
      heldBundles: () => new Set(this.held?.targets.map((t) => t.bundle) ?? []),
      ledger: this.ledger,
      ...(options.policy ? { policy: options.policy } : {}),
    };
    this.drift = new DriftMonitor(
      options.client,
      this.live,
      this.ledger,
      {
        lookup: (key) => this.driftSubject(key),
        onDrift: (subject, diff) => this.onDrift(subject, diff),
      },
      options.logger.child({ module: 'drift' }),
    );
  }

  /** Starts watching and picks up the stored TargetSet, if the store has one. */
  async start(): Promise<void> {
    this.drift.start();
    this.live.subscribe((change) => this.onLiveChange(keyOfObject(change.object)));
    const interval = this.options.resyncIntervalMs ?? 600_000;
    if (interval > 0) {
      this.resyncTimer = setInterval(() => this.resyncAll(), interval);
      this.resyncTimer.unref();
    }
    const stored = await this.options.store.load();
    if (stored && !this.stopped) {
      this.options.logger.info({ revision: stored.revision, targets: stored.targets.length }, 'reconciling the stored TargetSet');
      this.reconcile(stored);
    }
  }

  /** Checksum of the TargetSet held, "" if none. */
  heldChecksum(): string {
    return this.held?.checksum ?? '';
  }

  /** The TargetSet held (stored, or taken since), undefined if none. */
  heldTargetSet(): TargetSet | undefined {
    return this.held;
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

  /** SyncNow: sync one bundle (or every one) now, even if its key did not change. */
  syncNow(bundle?: string): void {
    for (const [name, worker] of this.workers) if (!bundle || name === bundle) worker.syncNow();
  }

  /** Resolves when no sync is running or due to run now (retries waiting on a timer aside). */
  async idle(): Promise<void> {
    await this.scheduled;
    for (;;) {
      const running = [...this.workers.values(), ...[...this.removals].map((p) => ({ running: p }))]
        .map((worker) => worker.running)
        .filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const worker of this.workers.values()) worker.cancel();
    await this.idle();
    for (const { timer } of this.reportTimers.values()) clearTimeout(timer);
    this.drift.stop();
    this.live.stop();
  }

  /** Number of live objects watched (for figures). */
  get watchedObjects(): number {
    return this.live.size;
  }

  private reconcile(targetSet: TargetSet): void {
    this.held = targetSet;
    const bundles = new Set(targetSet.targets.map((target) => target.bundle));
    for (const [bundle, worker] of this.workers) {
      if (!bundles.has(bundle)) {
        worker.cancel();
        this.workers.delete(bundle);
        this.forgetBundle(bundle);
      }
    }
    for (const target of targetSet.targets) {
      let worker = this.workers.get(target.bundle);
      if (!worker) {
        worker = new TargetWorker(
          this.deps,
          {
            logger: this.options.logger,
            onResult: (result) => this.options.onResult(result),
            onOutcome: (outcome, t, revision) => this.onOutcome(outcome, t, revision),
            onUnchanged: (t, revision) => this.onUnchanged(t, revision),
            blockedBy: (t) => this.blockedBy(t),
            ...(this.options.retryBackoff ? { retryBackoff: this.options.retryBackoff } : {}),
          },
          target.bundle,
        );
        this.workers.set(target.bundle, worker);
      }
      const known = this.status.get(target.bundle);
      if (known) {
        known.target = target;
        known.revision = targetSet.revision;
      }
      worker.want(target, targetSet.revision);
      if (worker.busy) this.drift.hold(target.bundle);
    }
    this.removeDeletedTargets(bundles);
    void this.options.cache
      .prune(targetSet.targets.flatMap((t) => (t.source && !t.artifact ? [{ repoUrl: t.source.repoUrl, commit: t.source.commit }] : [])))
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not prune the git cache'));
    void this.options.artifacts
      ?.prune(targetSet.targets.flatMap((t) => (t.artifact ? [t.artifact.digest] : [])))
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not prune the artifact cache'));
  }

  /** Targets with an inventory in the cluster but no place in the TargetSet: removed (agent/README.md). */
  private removeDeletedTargets(bundles: ReadonlySet<string>): void {
    const removal = (async () => {
      const stored = await this.deps.inventory.bundles();
      for (const bundle of stored.filter((b) => !bundles.has(b))) {
        if (this.stopped) return;
        const result = await removeTarget(bundle, this.deps, this.held?.revision ?? '');
        if (result) this.options.onResult(result);
      }
    })().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not remove deleted targets'));
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  private forgetBundle(bundle: string): void {
    const known = this.status.get(bundle);
    if (known) this.drift.forget(known.desired.keys());
    this.status.delete(bundle);
    for (const other of this.claims.forget(bundle)) this.workers.get(other)?.syncNow();
  }

  private onOutcome(outcome: TargetSyncOutcome, target: Target, revision: string): void {
    let known = this.status.get(target.bundle);
    if (!known) {
      known = new BundleStatus(target, revision);
      this.status.set(target.bundle, known);
    }
    known.target = target;
    known.took(outcome.result, outcome.desired);
    this.drift.release(target.bundle, outcome.inSync);
    this.options.onResult(outcome.result);
    for (const other of outcome.contestedWith) this.workers.get(other)?.syncNow();
    this.recheckWaiting();
  }

  /**
   * A target whose key did not change came with a new commit or TargetSet revision (a fleet
   * commit that left the bundle's content as it was): nothing to apply, but the hub hears that
   * the bundle is at the new commit, with its status as it is.
   */
  private onUnchanged(target: Target, revision: string): void {
    const known = this.status.get(target.bundle);
    if (!known || this.stopped) return;
    const result = known.restamp(target, revision);
    if (result) this.options.onResult(result);
  }

  private blockedBy(target: Target): string | undefined {
    this.drift.hold(target.bundle);
    const pending = target.dependsOn.filter((dep) => !this.status.get(dep)?.isHealthy());
    if (pending.length === 0) return undefined;
    this.drift.release(target.bundle, []);
    const held = this.deps.heldBundles();
    const absent = pending.filter((dep) => !held.has(dep));
    return `waiting for ${pending.map((d) => `"${d}"`).join(', ')} to be Healthy${absent.length > 0 ? ` (${absent.join(', ')} not on this cluster)` : ''}`;
  }

  private recheckWaiting(): void {
    for (const worker of this.workers.values()) worker.recheck();
  }

  private driftSubject(key: string): DriftSubject | undefined {
    for (const [bundle, known] of this.status) {
      const desired = known.desired.get(key);
      if (!desired) continue;
      if (known.phase !== 'synced' && known.phase !== 'suspended' && known.phase !== 'failed') return undefined;
      const selfHeal = !known.target.suspend && known.phase === 'synced' && (known.target.syncPolicy?.selfHeal ?? false);
      return { bundle, desired, selfHeal };
    }
    return undefined;
  }

  private onDrift(subject: DriftSubject, diff: string | undefined): void {
    const known = this.status.get(subject.bundle);
    if (!known?.setDrift(inventoryKey(subject.desired.ref), diff)) return;
    // Drift seen is reported at once, so that a self-heal right after cannot hide it.
    if (diff !== undefined) this.report(subject.bundle, 'drift');
    else this.scheduleReport(subject.bundle, 'drift');
  }

  private onLiveChange(key: string): void {
    for (const [bundle, known] of this.status) {
      const desired = known.desired.get(key);
      if (!desired) continue;
      if (known.setHealth(key, healthOf(this.live, desired.ref))) {
        const now = known.healthStatus();
        if (now !== known.reportedHealth) this.scheduleReport(bundle, 'health');
      }
    }
  }

  private scheduleReport(bundle: string, reason: ReportReason): void {
    const pending = this.reportTimers.get(bundle);
    if (pending) {
      if (reason === 'drift') pending.reason = 'drift';
      return;
    }
    const entry = {
      reason,
      timer: setTimeout(() => {
        this.reportTimers.delete(bundle);
        this.report(bundle, entry.reason);
      }, this.options.reportDelayMs ?? 50),
    };
    this.reportTimers.set(bundle, entry);
  }

  private report(bundle: string, reason: ReportReason): void {
    const known = this.status.get(bundle);
    if (!known || this.stopped || this.workers.get(bundle)?.busy) return; // a sync in progress reports for itself
    const result = known.snapshot(reason);
    if (!result) return;
    known.reportedHealth = known.healthStatus();
    known.reportedDrift = known.driftCount();
    this.options.onResult(result);
    if (reason === 'health') this.recheckWaiting();
  }

  /**
   * The backstop: every target synced again with nothing taken as known — the in-sync marks
   * forgotten, so that every object is dry-run against the server as it is now.
   */
  resyncAll(): void {
    for (const [bundle, worker] of this.workers) {
      const known = this.status.get(bundle);
      if (known) this.ledger.forget(known.desired.keys());
      worker.syncNow({ deep: true });
      if (known) this.drift.checkAll(known.desired.keys());
    }
  }
}

function isOlder(revision: string, than: string): boolean {
  try {
    return BigInt(revision) < BigInt(than);
  } catch {
    return false;
  }
}
