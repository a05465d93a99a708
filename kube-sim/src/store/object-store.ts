import { KubeObject, clone } from '../json-value';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as watchers see it; `previous` lets selector-filtered watches see objects leave. */
export interface StoreEvent {
  type: WatchEventType;
  typeKey: string;
  resourceVersion: number;
  object: KubeObject;
  previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

/** Identifies a resource type in the store: "apps/deployments", "/configmaps". */
export function typeKeyOf(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/**
 * The cluster's storage, in the role of etcd: objects by type and namespace/name, one
 * resourceVersion counter for the whole cluster, and a bounded history for watches.
 */
export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private revision = 0;

  constructor(private readonly historyLimit = 1000) {}

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestWatchableVersion(): number {
    return this.history.length === this.historyLimit ? this.history[0].resourceVersion : 0;
  }

  get(typeKey: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.objects.get(typeKey)?.get(objectKey(namespace, name));
    return found && clone(found);
  }

  /**
   * Objects of a type sorted by namespace then name (etcd key order); all namespaces when
   * undefined. `where` (optional) looks at the stored objects — read only — and only those it
   * keeps are copied: a controller looking for the few objects it owns does not pay a copy of
   * the whole namespace.
   */
  list(typeKey: string, namespace?: string, where?: (stored: Readonly<KubeObject>) => boolean): KubeObject[] {
    const byKey = this.objects.get(typeKey);
    if (!byKey) return [];
    const prefix = `${namespace}/`;
    return [...byKey.entries()]
      .filter(([key, o]) => (namespace === undefined || key.startsWith(prefix)) && (where === undefined || where(o)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => clone(o));
  }

  /** Writes an object with the next resourceVersion; returns the stored copy. */
  put(typeKey: string, object: KubeObject): KubeObject {
    const stored = clone(object);
    const namespace = typeof stored.metadata['namespace'] === 'string' ? stored.metadata['namespace'] : '';
    const key = objectKey(namespace, stored.metadata.name);
    let byKey = this.objects.get(typeKey);
    if (!byKey) {
      byKey = new Map();
      this.objects.set(typeKey, byKey);
    }
    const previous = byKey.get(key);
    this.revision++;
    stored.metadata['resourceVersion'] = String(this.revision);
    byKey.set(key, stored);
    this.publish({
      type: previous ? 'MODIFIED' : 'ADDED',
      typeKey,
      resourceVersion: this.revision,
      object: stored,
      ...(previous ? { previous } : {}),
    });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries a new resourceVersion like etcd's delete. */
  remove(typeKey: string, namespace: string, name: string): KubeObject | undefined {
    const byKey = this.objects.get(typeKey);
    const key = objectKey(namespace, name);
    const existing = byKey?.get(key);
    if (!byKey || !existing) return undefined;
    byKey.delete(key);
    this.revision++;
    const deleted = clone(existing);
    deleted.metadata['resourceVersion'] = String(this.revision);
    this.publish({ type: 'DELETED', typeKey, resourceVersion: this.revision, object: deleted, previous: existing });
    return clone(deleted);
  }

  /** Events after `resourceVersion` still in history, oldest first. */
  eventsSince(resourceVersion: number, typeKey: string): StoreEvent[] {
    return this.history.filter((e) => e.resourceVersion > resourceVersion && e.typeKey === typeKey);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  typeKeys(): string[] {
    return [...this.objects.keys()];
  }

  private publish(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const listener of [...this.listeners]) listener(event);
  }
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
