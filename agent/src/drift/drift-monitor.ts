import type { KubernetesObject } from '@kubernetes/client-node';
import { dryRunObject } from '../kube/apply-object';
import type { DesiredObject } from '../model/desired-object';
import type { ObjectClient } from '../kube/object-client';
import { inventoryKey } from '../inventory/inventory';
import type { Logger } from '../logger';
import { driftDiff } from './drift-diff';
import type { LiveCache } from '../kube/live-cache';
import type { InSyncLedger, InSyncMark } from './in-sync-ledger';

export type { InSyncMark } from './in-sync-ledger';
import { fingerprintOf, type JsonObject } from '../kube/normalise';

/** What the monitor needs to know about a live object it was told changed. */
export interface DriftSubject {
  bundle: string;
  desired: DesiredObject;
  selfHeal: boolean;
}

export interface DriftHooks {
  /** The desired object behind an inventory key, if its bundle is applied and not suspended from checks. */
  lookup(key: string): DriftSubject | undefined;
  /** Drift of one object seen (a diff) or gone (undefined). Called on every check; the engine reports changes. */
  onDrift(subject: DriftSubject, diff: string | undefined): void;
}

export interface DriftMonitorOptions {
  /** Drift checks (each a dry-run) at once. */
  concurrency: number;
}

/**
 * Drift, driven by the live cache's watches: when one of this agent's objects changes (or
 * disappears), compare live with a server-side dry-run of desired, normalised; report the
 * difference as a diff and, when the bundle's policy says so, apply again (force). Checks of
 * a bundle being synced wait until the sync is done. A live object equal (normalised) to the
 * last one found in sync with the same desired manifest (InSyncLedger) is not dry-run again:
 * status updates cost nothing.
 */
export class DriftMonitor {
  private readonly held = new Map<string, Set<string>>();
  private readonly queued = new Map<string, { bundle: string }>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private active = 0;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly client: ObjectClient,
    private readonly live: LiveCache,
    private readonly ledger: InSyncLedger,
    private readonly hooks: DriftHooks,
    private readonly logger: Logger,
    private readonly options: DriftMonitorOptions = { concurrency: 8 },
  ) {}

  start(): void {
    this.unsubscribe = this.live.subscribe((change) => this.schedule(keyOfObject(change.object)));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.queued.clear();
  }

  /** A sync of the bundle begins: its checks wait. */
  hold(bundle: string): void {
    if (!this.held.has(bundle)) this.held.set(bundle, new Set());
  }

  /** The sync is done: start from what it found in sync, then check what changed meanwhile. */
  release(bundle: string, inSync: readonly InSyncMark[]): void {
    for (const mark of inSync) this.ledger.record(mark);
    const pending = this.held.get(bundle) ?? new Set<string>();
    this.held.delete(bundle);
    for (const key of pending) this.schedule(key);
  }

  /** Checks these objects now (the periodic backstop, and after a restart). */
  checkAll(keys: Iterable<string>): void {
    for (const key of keys) this.schedule(key, true);
  }

  /** Forgets what is known of a bundle's objects (its target changed or left). */
  forget(keys: Iterable<string>): void {
    this.ledger.forget(keys);
  }

  private schedule(key: string, fresh = false): void {
    if (this.stopped) return;
    const subject = this.hooks.lookup(key);
    if (!subject) return;
    if (fresh) this.ledger.forget([key]);
    const pending = this.held.get(subject.bundle);
    if (pending) {
      pending.add(key);
      return;
    }
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.queued.set(key, { bundle: subject.bundle });
    this.pump();
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.queued.size > 0) {
      const key = this.queued.keys().next().value as string;
      this.queued.delete(key);
      this.active += 1;
      this.running.add(key);
      void this.check(key)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'drift check failed'))
        .finally(() => {
          this.active -= 1;
          this.running.delete(key);
          if (this.again.delete(key)) this.schedule(key);
          this.pump();
        });
    }
  }

  private async check(key: string): Promise<void> {
    const subject = this.hooks.lookup(key);
    if (!subject || this.held.has(subject.bundle)) {
      if (subject) this.held.get(subject.bundle)?.add(key);
      return;
    }
    const before = this.live.fingerprint(subject.desired.ref);
    if (this.ledger.holds(key, subject.desired.fingerprint, before)) {
      this.hooks.onDrift(subject, undefined);
      return;
    }
    const dry = await dryRunObject(this.client, subject.desired);
    if (!dry.ok) {
      this.logger.warn({ bundle: subject.bundle, error: dry.outcome.entry.error }, 'drift check: dry-run failed');
      return;
    }
    const live = this.live.get(subject.desired.ref);
    if (this.held.has(subject.bundle)) {
      this.held.get(subject.bundle)?.add(key);
      return;
    }
    const now = this.live.fingerprint(subject.desired.ref);
    if (now !== undefined && now === fingerprintOf(dry.object as unknown as JsonObject)) {
      this.ledger.record({ key, live: now, desired: subject.desired.fingerprint });
      this.hooks.onDrift(subject, undefined);
      return;
    }
    this.ledger.forget([key]);
    this.hooks.onDrift(subject, driftDiff(live as JsonObject | undefined, dry.object as unknown as JsonObject));
    if (subject.selfHeal) {
      // Taking in the write brings the next check, which clears the drift.
      this.live.recordWrite((await this.client.apply(subject.desired.object)).object);
      this.logger.info({ bundle: subject.bundle, object: key }, 'drift corrected (self-heal)');
    }
  }
}

export function keyOfObject(object: KubernetesObject): string {
  return inventoryKey({
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
  });
}
