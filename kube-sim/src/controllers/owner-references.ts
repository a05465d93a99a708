import { JsonObject, KubeObject, isObject } from '../json-value';
import type { StoreEvent } from '../store/object-store';

export function ownerReferences(object: KubeObject): JsonObject[] {
  const refs = object.metadata['ownerReferences'];
  return Array.isArray(refs) ? refs.filter(isObject) : [];
}

/** The controlling owner reference, if any. */
export function controllerOf(object: KubeObject): JsonObject | undefined {
  return ownerReferences(object).find((r) => r['controller'] === true);
}

export function controllerReference(owner: KubeObject): JsonObject {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: String(owner.metadata['uid']),
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(object: KubeObject, owner: KubeObject): boolean {
  return ownerReferences(object).some((r) => r['uid'] === owner.metadata['uid']);
}

/** "ns/name" of an event's object, or of its controlling owner of the given kind. */
export function keyOf(object: KubeObject): string {
  return `${String(object.metadata['namespace'] ?? '')}/${object.metadata.name}`;
}

export function ownerKeysOfKind(event: StoreEvent, kind: string): string[] {
  const ref = controllerOf(event.object);
  return ref && ref['kind'] === kind ? [`${String(event.object.metadata['namespace'] ?? '')}/${String(ref['name'])}`] : [];
}

export function splitKey(key: string): [string, string] {
  const at = key.indexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
}

export function isPodReady(pod: KubeObject): boolean {
  const status = isObject(pod['status']) ? pod['status'] : {};
  const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter(isObject) : [];
  return conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** Status objects leave out zero counts, as the Go types' omitempty does. */
export function withoutZeros(status: JsonObject): JsonObject {
  const kept: JsonObject = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0 && v !== undefined));
  return kept;
}
