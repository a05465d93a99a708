import type { ObjectStore, StoreEvent } from '../store/object-store';

/** A simulated controller: which events concern which keys, and how to reconcile a key. */
export interface Controller {
  readonly name: string;
  /** Keys (whatever the controller chooses, e.g. "ns/name") an event asks to reconcile. */
  keysFor(event: StoreEvent): string[];
  /** Brings one key towards its desired state; returns ms after which to look again, if ever. */
  reconcile(key: string): number | void;
}

/**
 * Runs controllers off the store's events. Reconciles happen on a later tick, never inside
 * the write that triggered them, and a key pending twice is reconciled once.
 */
export class ControllerRunner {
  private readonly pending = new Map<Controller, Set<string>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private scheduled: NodeJS.Immediate | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly controllers: Controller[],
  ) {}

  start(): void {
    this.unsubscribe = this.store.subscribe((event) => {
      for (const controller of this.controllers) for (const key of controller.keysFor(event)) this.enqueue(controller, key);
    });
  }

  enqueue(controller: Controller, key: string, afterMs = 0): void {
    if (this.stopped) return;
    if (afterMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(controller, key);
      }, afterMs);
      timer.unref?.();
      this.timers.add(timer);
      return;
    }
    let keys = this.pending.get(controller);
    if (!keys) this.pending.set(controller, (keys = new Set()));
    keys.add(key);
    this.scheduled ??= setImmediate(() => this.drain());
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.scheduled) clearImmediate(this.scheduled);
  }

  private drain(): void {
    this.scheduled = undefined;
    const batch = [...this.pending.entries()];
    this.pending.clear();
    for (const [controller, keys] of batch) {
      for (const key of keys) {
        if (this.stopped) return;
        try {
          const again = controller.reconcile(key);
          if (typeof again === 'number') this.enqueue(controller, key, again);
        } catch (error) {
          // A simulated controller failing must not take the cluster down; try again later.
          console.error(`kube-sim controller ${controller.name} failed on ${key}:`, error);
          this.enqueue(controller, key, 1000);
        }
      }
    }
  }
}
