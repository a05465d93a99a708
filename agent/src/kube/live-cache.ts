import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../logger';
import type { ObjectClient, ObjectKey, WatchEvent, WatchHandle } from './object-client';
import { fingerprintOf, type JsonObject } from './normalise';

export type LiveChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface LiveChange {
  type: LiveChangeType;
  /** The object after the change (for DELETED: as it was last seen). */
  object: KubernetesObject;
}

export interface LiveCacheOptions {
  /** Only this agent's objects are watched. */
  labelSelector: string;
  /** Wait before re-opening a watch that failed (a normal end re-opens at once). */
  retryMs: number;
  /** Server-side lifetime asked of each watch. */
  watchSeconds: number;
}

/**
 * The live state of this agent's objects, kept by one watch per kind (label selector for
 * this agent's objects, resumed from the last resourceVersion, bookmarks on, a relist when
 * the server says the history is gone). The engine reads live objects from it instead of
 * GETting each one; drift and health listen to its changes.
 */
export class LiveCache {
  private readonly kinds = new Map<string, KindWatch>();
  private readonly listeners = new Set<(change: LiveChange) => void>();
  private stopped = false;

  constructor(
    private readonly client: ObjectClient,
    private readonly logger: Logger,
    private readonly options: LiveCacheOptions,
  ) {}

  /** Starts watching the kind if not yet; resolves once its first list is in. */
  async ensure(apiVersion: string, kind: string): Promise<void> {
    const key = `${apiVersion}|${kind}`;
    let watch = this.kinds.get(key);
    if (!watch) {
      watch = new KindWatch(apiVersion, kind, this.client, this.logger, this.options, (change) => this.emit(change));
      this.kinds.set(key, watch);
      if (this.stopped) watch.stop();
      else watch.start();
    }
    try {
      await watch.ready;
    } catch (error) {
      // A kind that cannot be listed (its CRD not installed yet) is tried again next time.
      this.kinds.delete(key);
      watch.stop();
      throw error;
    }
  }

  /**
   * The live object as last seen (without managedFields, which nothing here reads), undefined
   * when it does not exist (or is not this agent's).
   */
  get(ref: ObjectKey): KubernetesObject | undefined {
    return this.kinds.get(`${ref.apiVersion}|${ref.kind}`)?.get(ref.namespace ?? '', ref.name)?.object;
  }

  /** fingerprintOf the live object as last seen (worked out once per version), undefined when absent. */
  fingerprint(ref: ObjectKey): string | undefined {
    const entry = this.kinds.get(`${ref.apiVersion}|${ref.kind}`)?.get(ref.namespace ?? '', ref.name);
    if (!entry) return undefined;
    entry.fingerprint ??= fingerprintOf(entry.object as unknown as JsonObject);
    return entry.fingerprint;
  }

  /**
   * Takes in an object as the API answered a write of it, unless the watch has already shown
   * that version or a later one: the engine's next decision (unchanged or not, healthy or
   * not) must not depend on how soon the watch delivers the agent's own write.
   */
  recordWrite(object: KubernetesObject): void {
    this.kinds.get(`${object.apiVersion}|${object.kind}`)?.record(object);
  }

  /**
   * Lists the kind again now and takes in what the watch has not delivered yet: a sync that was
   * asked for (SyncNow, the periodic resync) compares with the cluster as it is, not as the
   * watch last said.
   */
  async refresh(apiVersion: string, kind: string): Promise<void> {
    await this.ensure(apiVersion, kind);
    await this.kinds.get(`${apiVersion}|${kind}`)?.refresh();
  }

  /** Whether the kind is watched and listed. */
  has(apiVersion: string, kind: string): boolean {
    return this.kinds.get(`${apiVersion}|${kind}`)?.listed ?? false;
  }

  subscribe(listener: (change: LiveChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every object seen, for memory figures and tests. */
  get size(): number {
    let total = 0;
    for (const watch of this.kinds.values()) total += watch.size;
    return total;
  }

  stop(): void {
    this.stopped = true;
    for (const watch of this.kinds.values()) watch.stop();
  }

  private emit(change: LiveChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error }, 'live change listener failed');
      }
    }
  }
}

/** One live object: the object and, once asked for, its fingerprint. */
interface LiveEntry {
  object: KubernetesObject;
  fingerprint?: string;
}

class KindWatch {
  readonly ready: Promise<void>;
  listed = false;
  private readonly objects = new Map<string, LiveEntry>();
  private resourceVersion = '';
  private handle: WatchHandle | undefined;
  private stopped = false;
  private relist = true;
  private timer: NodeJS.Timeout | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (error: unknown) => void;
  private readonly log: Logger;

  constructor(
    private readonly apiVersion: string,
    private readonly kind: string,
    private readonly client: ObjectClient,
    logger: Logger,
    private readonly options: LiveCacheOptions,
    private readonly emit: (change: LiveChange) => void,
  ) {
    this.log = logger.child({ module: 'live-cache', kind: `${apiVersion}/${kind}` });
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
  }

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string, name: string): LiveEntry | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  start(): void {
    void this.cycle();
  }

  /** A list taken now, merged in; the watch goes on from where it was. */
  async refresh(): Promise<void> {
    if (!this.stopped && this.listed) await this.list({ resume: false });
  }

  /** An object as written by this agent: kept (and announced) if newer than what is known. */
  record(object: KubernetesObject): void {
    if (this.stopped || !this.listed) return;
    const kept = this.kept(object);
    const key = keyOf(kept);
    const before = this.objects.get(key)?.object;
    if (before && !isNewer(kept, before)) return;
    this.objects.set(key, { object: kept });
    this.emit({ type: before ? 'MODIFIED' : 'ADDED', object: kept });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.handle?.stop();
    this.handle = undefined;
  }

  /** (Re)lists when needed, then watches from the last resourceVersion seen. */
  private async cycle(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.relist) await this.list();
      this.handle = await this.client.watchAll(
        this.apiVersion,
        this.kind,
        { labelSelector: this.options.labelSelector, resourceVersion: this.resourceVersion, timeoutSeconds: this.options.watchSeconds },
        (event) => this.onEvent(event),
        (error) => this.onDone(error),
      );
      if (this.stopped) this.handle.stop();
    } catch (error) {
      if (!this.listed) {
        this.rejectReady(error);
        this.stopped = true;
        return;
      }
      this.log.warn({ err: error }, 'watch failed to open; retrying');
      this.later(this.options.retryMs);
    }
  }

  private async list(options: { resume: boolean } = { resume: true }): Promise<void> {
    const list = await this.client.listAll(this.apiVersion, this.kind, this.options.labelSelector);
    const seen = new Set<string>();
    for (const object of list.items) {
      // Items of a list carry no apiVersion/kind; give them their type back.
      const typed = this.kept(object);
      const key = keyOf(typed);
      seen.add(key);
      const before = this.objects.get(key)?.object;
      if (before && !isNewer(typed, before)) continue;
      this.objects.set(key, { object: typed });
      this.emit({ type: before ? 'MODIFIED' : 'ADDED', object: typed });
    }
    for (const [key, { object }] of this.objects) {
      // An object written after the list was taken is not in it, and not gone.
      if (!seen.has(key) && compareVersions(object.metadata?.resourceVersion, list.resourceVersion) !== 1) {
        this.objects.delete(key);
        this.emit({ type: 'DELETED', object });
      }
    }
    if (!options.resume) return;
    this.resourceVersion = list.resourceVersion;
    this.relist = false;
    if (!this.listed) {
      this.listed = true;
      this.resolveReady();
    }
  }

  private onEvent(event: WatchEvent): void {
    if (this.stopped) return;
    const version = event.object?.metadata?.resourceVersion;
    switch (event.type) {
      case 'BOOKMARK':
        if (version) this.resourceVersion = version;
        return;
      case 'ERROR':
        // 410 Gone: the history since our resourceVersion is gone; list again.
        if (event.object.code === 410) this.relist = true;
        else this.log.warn({ code: event.object.code, reason: event.object.reason }, 'watch error event');
        this.handle?.stop();
        return;
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED': {
        const object = this.kept(event.object);
        if (version) this.resourceVersion = version;
        const key = keyOf(object);
        const before = this.objects.get(key)?.object;
        // A write of this agent's may have been taken in before the watch delivers it (or an
        // older event still in flight): what is not newer changes nothing.
        if (before && !isNewer(object, before)) return;
        if (event.type === 'DELETED') this.objects.delete(key);
        else this.objects.set(key, { object });
        this.emit({ type: event.type, object });
        return;
      }
    }
  }

  /**
   * The object as kept: typed (items of a list carry no apiVersion/kind) and without
   * managedFields — often the largest part of an object, and dropped by every comparison.
   */
  private kept(object: KubernetesObject): KubernetesObject {
    const { managedFields: _managedFields, ...metadata } = object.metadata ?? {};
    return { ...object, apiVersion: this.apiVersion, kind: this.kind, metadata };
  }

  private onDone(error: unknown): void {
    this.handle = undefined;
    if (this.stopped) return;
    if (error && !isAbort(error)) this.log.debug({ err: error }, 'watch ended with an error; resuming');
    this.later(error && !isAbort(error) ? this.options.retryMs : 0);
  }

  private later(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.cycle();
    }, ms);
    this.timer.unref();
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * Whether `a` is a later version of the object than `b`. resourceVersions are opaque to
 * clients in general, but every API server backed by etcd gives integers that grow with each
 * write; versions that are not are taken as newer whenever they differ.
 */
function isNewer(a: KubernetesObject, b: KubernetesObject): boolean {
  const [va, vb] = [a.metadata?.resourceVersion, b.metadata?.resourceVersion];
  const order = compareVersions(va, vb);
  return order === undefined ? va !== vb : order > 0;
}

/** -1, 0 or 1 for two integer resourceVersions; undefined when either is not one. */
function compareVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined || !/^\d{1,30}$/.test(a) || !/^\d{1,30}$/.test(b)) return undefined;
  const [x, y] = [BigInt(a), BigInt(b)];
  return x > y ? 1 : x < y ? -1 : 0;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.message.includes('aborted'));
}
