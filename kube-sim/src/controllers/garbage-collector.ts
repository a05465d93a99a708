import type { ApiServer } from '../api/api-server';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../api/deletion';
import { ClusterClient } from './cluster-client';
import { KubeObject } from '../json-value';
import type { StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { ownerReferences } from './owner-references';

/**
 * The garbage collector: dependents whose owners are all gone are deleted; an owner deleted
 * in the foreground waits until its dependents are gone; an orphaning delete strips the
 * owner reference from its dependents first.
 */
export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  private readonly client: ClusterClient;

  constructor(api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.type === 'DELETED') return ['sweep'];
    const finalizers = event.object.metadata['finalizers'];
    const held = Array.isArray(finalizers) && (finalizers.includes(FOREGROUND_FINALIZER) || finalizers.includes(ORPHAN_FINALIZER));
    return event.object.metadata['deletionTimestamp'] && held ? [`owner:${String(event.object.metadata['uid'])}`] : [];
  }

  reconcile(key: string): number | void {
    const all = this.client.listAll().map((e) => e.object);
    const byUid = new Map(all.map((o) => [String(o.metadata['uid']), o]));
    if (key === 'sweep') return this.sweep(all, byUid);
    const owner = byUid.get(key.slice('owner:'.length));
    if (!owner) return;
    const dependents = all.filter((o) => ownerReferences(o).some((r) => r['uid'] === owner.metadata['uid']));
    const finalizers = (owner.metadata['finalizers'] as string[]) ?? [];
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const d of dependents) {
        const refs = ownerReferences(d).filter((r) => r['uid'] !== owner.metadata['uid']);
        this.client.update({ ...d, metadata: { ...d.metadata, ownerReferences: refs } });
      }
      return this.release(owner, ORPHAN_FINALIZER);
    }
    if (dependents.length > 0) {
      for (const d of dependents) if (!d.metadata['deletionTimestamp']) this.client.delete(d, 'Foreground');
      return 50;
    }
    this.release(owner, FOREGROUND_FINALIZER);
  }

  private sweep(all: KubeObject[], byUid: Map<string, KubeObject>): void {
    for (const object of all) {
      const refs = ownerReferences(object);
      if (refs.length > 0 && refs.every((r) => !byUid.has(String(r['uid'])))) this.client.delete(object);
    }
  }

  private release(owner: KubeObject, finalizer: string): void {
    const finalizers = ((owner.metadata['finalizers'] as string[]) ?? []).filter((f) => f !== finalizer);
    this.client.update({ ...owner, metadata: { ...owner.metadata, finalizers } });
  }
}
