import type { Target } from '#proto';
import { Backoff, redactUserinfo, type BackoffOptions } from '#core';
import type { Logger } from '../logger';
import { countActions, type TargetSyncResult } from '../model/change-set';
import { targetKey } from './target-key';
import type { DesiredObject } from '../model/desired-object';
import { syncTarget, type TargetSyncDeps, type TargetSyncOutcome } from './target-sync';

/** Failed syncs that might succeed later are retried: 5 s doubling up to 5 min. */
export function defaultRetryBackoff(): BackoffOptions {
  return { baseMs: 5_000, factor: 2, capMs: 300_000, resetAfterMs: Number.POSITIVE_INFINITY };
}

export interface TargetWorkerOptions {
  logger: Logger;
  /** A PROGRESSING or WAITING result when a sync starts or must wait. */
  onResult: (result: TargetSyncResult) => void;
  /** The outcome of every finished sync, with the TargetSet revision it was made for. */
  onOutcome: (outcome: TargetSyncOutcome, target: Target, revision: string) => void;
  /** The target came again with the same key but another commit or revision: nothing to apply. */
  onUnchanged: (target: Target, revision: string) => void;
  /** Why the target must wait (its dependencies are not Healthy), or undefined to go on. */
  blockedBy: (target: Target) => string | undefined;
  retryBackoff?: BackoffOptions;
}

interface Desired {
  target: Target;
  revision: string;
  key: string;
  /**
   * Asked for: 'shallow' (SyncNow) compares with the cluster as it is now, not as last
   * watched, and reuses the last render of an unchanged target; 'deep' (the periodic resync)
   * renders again too.
   */
  forced?: 'shallow' | 'deep';
}

/** The sync loop of one target: never two syncs of it at once, always towards the latest want. */
export class TargetWorker {
  running: Promise<void> | undefined;
  private desired: Desired | undefined;
  private latest: Desired | undefined;
  private inFlight: Desired | undefined;
  private waitingMessage: string | undefined;
  private appliedKey: string | undefined;
  /**
   * The key of the last sync refused for a reason a retry cannot fix (invalid or oversized
   * manifests, a render over its budget, a refused object): the periodic resync leaves it
   * alone, so that one bad commit costs one refusal, not one every resync. A new key (new
   * content) or an operator's SyncNow tries again.
   */
  private refusedKey: string | undefined;
  /** What the last successful sync rendered, and for which key. */
  private lastRendered: { key: string; objects: readonly DesiredObject[] } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private cancelled = false;
  private readonly backoff: Backoff;
  private readonly log: Logger;

  constructor(
    private readonly deps: TargetSyncDeps,
    private readonly options: TargetWorkerOptions,
    bundle: string,
  ) {
    this.backoff = new Backoff(options.retryBackoff ?? defaultRetryBackoff());
    this.log = options.logger.child({ bundle });
  }

  /** Whether a sync of this target is running now. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Whether the target is held back by its dependencies. */
  get waiting(): boolean {
    return this.waitingMessage !== undefined;
  }

  want(target: Target, revision: string): void {
    const key = targetKey(target);
    this.latest = { target, revision, key };
    if (this.inFlight?.key === key) {
      this.desired = undefined; // being applied right now; whatever was queued is outdated (its result is restamped)
      return;
    }
    if (this.inFlight === undefined && this.appliedKey === key && !this.waiting) {
      this.options.onUnchanged(target, revision); // already applied (the idempotency key)
      return;
    }
    this.clearRetry();
    this.backoff.reset();
    this.desired = this.latest;
    this.kick();
  }

  /**
   * Syncs the latest target again now, even if it was applied already (SyncNow; `deep`: the
   * periodic resync, which skips a target refused at this very key).
   */
  syncNow(options: { deep?: boolean } = {}): void {
    if (!this.latest || this.cancelled) return;
    if (options.deep && this.refusedKey === this.latest.key) {
      this.log.debug('resync skipped: refused at this content, not retried until it changes');
      return;
    }
    this.clearRetry();
    this.desired = { ...this.latest, forced: options.deep ? 'deep' : 'shallow' };
    this.kick();
  }

  /** A dependency's health changed: a waiting target looks again. */
  recheck(): void {
    if (this.waiting && !this.running) {
      this.desired ??= this.latest;
      this.kick();
    }
  }

  cancel(): void {
    this.cancelled = true;
    this.desired = undefined;
    this.clearRetry();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // A want that arrived while the loop was finishing must not be lost.
      if (this.desired && !this.cancelled) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.desired && !this.cancelled) {
      const desired = this.desired;
      this.desired = undefined;
      const blocked = this.options.blockedBy(desired.target);
      if (blocked !== undefined) {
        if (blocked !== this.waitingMessage) this.options.onResult(this.stateResult(desired, 'waiting', blocked));
        this.waitingMessage = blocked;
        continue;
      }
      this.waitingMessage = undefined;
      this.inFlight = desired;
      try {
        await this.syncOnce(desired);
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private stateResult(desired: Desired, phase: 'progressing' | 'waiting', message: string): TargetSyncResult {
    return {
      bundle: desired.target.bundle,
      commit: desired.target.source?.commit ?? '',
      targetSetRevision: desired.revision,
      phase,
      message,
      changes: [],
      observedAt: new Date(),
      reason: 'sync',
    };
  }

  private async syncOnce(desired: Desired): Promise<void> {
    const { target, revision } = desired;
    const log = this.log.child({ commit: target.source?.commit ?? '' });
    this.options.onResult(this.stateResult(desired, 'progressing', ''));
    const startedAt = Date.now();
    const reuse = desired.forced === 'shallow' && this.lastRendered?.key === desired.key ? this.lastRendered.objects : undefined;
    const options = { forced: desired.forced !== undefined, ...(reuse ? { rendered: reuse } : {}) };
    const outcome = await syncTarget(target, revision, this.deps, options).catch((error: unknown): TargetSyncOutcome => ({
      result: {
        ...this.stateResult(desired, 'progressing', ''),
        phase: 'failed',
        message: redactUserinfo(`internal error: ${error instanceof Error ? error.message : String(error)}`),
        syncStartedAt: new Date(startedAt),
      },
      retryable: true,
      desired: [],
      contestedWith: [],
      inSync: [],
    }));
    const { result, retryable } = outcome;
    const counts = countActions(result.changes);
    this.refusedKey = result.phase === 'failed' && !retryable ? desired.key : undefined;
    if (result.phase === 'synced' || result.phase === 'suspended' || !retryable) {
      // Not retried: synced, or refused for a reason a retry cannot fix (that becomes status).
      this.appliedKey = desired.key;
      if (result.phase === 'synced') this.backoff.reset();
      this.lastRendered = result.phase === 'synced' ? { key: desired.key, objects: outcome.desired } : undefined;
    } else {
      this.appliedKey = undefined;
      this.lastRendered = undefined;
    }
    if (result.phase === 'failed') {
      log.warn({ ...counts, message: result.message, retryable }, 'target sync failed');
      if (retryable && !this.desired && !this.cancelled) this.scheduleRetry(desired, log);
    } else {
      log.info({ ...counts, phase: result.phase, ms: Date.now() - startedAt }, 'target synced');
    }
    if (this.cancelled) return;
    this.options.onOutcome(outcome, target, revision);
    // The same content came again meanwhile with a newer commit or revision: the result stands for it too.
    const latest = this.latest;
    if (latest && latest !== desired && latest.key === desired.key && !this.desired && this.appliedKey === desired.key) {
      this.options.onUnchanged(latest.target, latest.revision);
    }
  }

  private scheduleRetry(desired: Desired, log: Logger): void {
    const delay = this.backoff.next();
    log.info({ retryInMs: delay }, 'will retry the sync');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.cancelled || this.desired || this.inFlight) return;
      this.desired = desired;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
