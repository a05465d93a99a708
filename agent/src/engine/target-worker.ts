import type { Target } from '#proto';
import { Backoff, type BackoffOptions } from '../link/backoff';
import type { Logger } from '../logger';
import { redactUserinfo } from '#core';
import type { TargetSyncResult } from './change-set';
import { targetKey } from './target-key';
import { syncTarget, type TargetSyncDeps } from './target-sync';

/** Failed syncs that might succeed later are retried: 5 s doubling up to 5 min. */
export function defaultRetryBackoff(): BackoffOptions {
  return { baseMs: 5_000, factor: 2, capMs: 300_000, resetAfterMs: Number.POSITIVE_INFINITY };
}

export interface TargetWorkerOptions {
  logger: Logger;
  onResult: (result: TargetSyncResult) => void;
  retryBackoff?: BackoffOptions;
}

interface Desired {
  target: Target;
  revision: string;
  key: string;
}

/** The sync loop of one target: never two syncs of it at once, always towards the latest want. */
export class TargetWorker {
  running: Promise<void> | undefined;
  private desired: Desired | undefined;
  private inFlight: Desired | undefined;
  private appliedKey: string | undefined;
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

  want(target: Target, revision: string): void {
    const key = targetKey(target);
    if (this.inFlight?.key === key) {
      this.desired = undefined; // being applied right now; whatever was queued is outdated
      return;
    }
    if (this.inFlight === undefined && this.appliedKey === key) {
      return; // already applied
    }
    this.clearRetry();
    this.backoff.reset();
    this.desired = { target, revision, key };
    this.kick();
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
      this.inFlight = desired;
      try {
        await this.syncOnce(desired);
      } finally {
        this.inFlight = undefined;
      }
    }
  }

  private async syncOnce(desired: Desired): Promise<void> {
    const { target, revision } = desired;
    const commit = target.source?.commit ?? '';
    const log = this.log.child({ commit });
    this.options.onResult({
      bundle: target.bundle,
      commit,
      targetSetRevision: revision,
      phase: 'progressing',
      message: '',
      changes: [],
      observedAt: new Date(),
    });
    const startedAt = Date.now();
    const { result, retryable } = await syncTarget(target, revision, this.deps).catch((error: unknown) => ({
      result: {
        bundle: target.bundle,
        commit,
        targetSetRevision: revision,
        phase: 'failed' as const,
        message: redactUserinfo(`internal error: ${error instanceof Error ? error.message : String(error)}`),
        changes: [],
        observedAt: new Date(),
      },
      retryable: true,
    }));
    const counts = countActions(result);
    if (result.phase === 'synced') {
      this.appliedKey = desired.key;
      this.backoff.reset();
      log.info({ ...counts, ms: Date.now() - startedAt }, 'target synced');
    } else {
      this.appliedKey = undefined;
      log.warn({ ...counts, message: result.message, retryable }, 'target sync failed');
      if (retryable && !this.desired && !this.cancelled) this.scheduleRetry(desired, log);
    }
    if (!this.cancelled) this.options.onResult(result);
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

function countActions(result: TargetSyncResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of result.changes) counts[entry.action] = (counts[entry.action] ?? 0) + 1;
  return counts;
}
