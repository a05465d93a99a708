import { JsonObject, isObject } from '../json-value';
import { FieldSet, fieldSetFromFieldsV1, fieldSetToFieldsV1, pathKey } from './field-set';
import { allFieldValues } from './object-fields';
import { TypeContext, zeroValueStructs } from './type-hints';

export type Operation = 'Apply' | 'Update';

/** One metadata.managedFields entry, decoded into a field set. */
export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: FieldSet;
}

export interface ManagerIdentity {
  manager: string;
  operation: Operation;
  subresource?: string;
}

export function sameManager(m: ManagerIdentity, id: ManagerIdentity): boolean {
  return m.manager === id.manager && m.operation === id.operation && (m.subresource ?? '') === (id.subresource ?? '');
}

export function decodeManagedFields(metadata: JsonObject): Manager[] {
  const entries = metadata['managedFields'];
  if (!Array.isArray(entries)) return [];
  return entries.filter(isObject).map((e) => {
    const m: Manager = {
      manager: String(e['manager'] ?? ''),
      operation: e['operation'] === 'Apply' ? 'Apply' : 'Update',
      apiVersion: String(e['apiVersion'] ?? ''),
      time: String(e['time'] ?? ''),
      fields: fieldSetFromFieldsV1(e['fieldsV1']),
    };
    if (typeof e['subresource'] === 'string') m.subresource = e['subresource'];
    return m;
  });
}

/** Encodes managers back into metadata.managedFields; managers owning nothing are dropped. */
export function encodeManagedFields(managers: Manager[]): JsonObject[] {
  return sortedManagers(managers)
    .filter((m) => !m.fields.isEmpty())
    .map((m) => {
      const entry: JsonObject = {
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        ...(m.time ? { time: m.time } : {}),
        fieldsType: 'FieldsV1',
        fieldsV1: fieldSetToFieldsV1(m.fields),
      };
      if (m.subresource) entry['subresource'] = m.subresource;
      return entry;
    });
}

/** What changed between two versions of an object, in field paths. */
export interface FieldChanges {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function compareObjects(context: TypeContext, before: JsonObject | undefined, after: JsonObject): FieldChanges {
  const old = before ? allFieldValues(context, before) : new Map();
  const next = allFieldValues(context, after);
  const zero = new Set(zeroValueStructs(context).map((p) => pathKey(p.map((n) => `f:${n}`))));
  const added = new FieldSet();
  const modified = new FieldSet();
  const removed = new FieldSet();
  for (const [key, node] of next) {
    const prior = old.get(key);
    if (!prior) {
      if (!zero.has(key)) added.add(node.path);
    } else if (node.leaf && JSON.stringify(prior.value) !== JSON.stringify(node.value)) {
      modified.add(node.path);
    }
  }
  for (const [key, node] of old) if (!next.has(key)) removed.add(node.path);
  return { added, modified, removed };
}

/**
 * Ownership after an Update (PUT, merge/JSON/strategic patch, create): the updater takes
 * what it added or changed; everyone loses what it changed or removed.
 */
export function recordUpdate(
  managers: Manager[],
  changes: FieldChanges,
  updater: ManagerIdentity,
  apiVersion: string,
  now: string,
): Manager[] {
  const taken = changes.added.union(changes.modified);
  const lost = changes.modified.union(changes.removed);
  const result = managers.map((m) => (sameManager(m, updater) ? m : { ...m, fields: m.fields.difference(lost) }));
  const touched = !taken.isEmpty();
  const existing = result.find((m) => sameManager(m, updater));
  if (existing) {
    existing.fields = existing.fields.union(taken).difference(changes.removed);
    if (touched) existing.time = now;
  } else if (touched) {
    const entry: Manager = { manager: updater.manager, operation: 'Update', apiVersion, time: now, fields: taken };
    if (updater.subresource) entry.subresource = updater.subresource;
    result.push(entry);
  }
  return result.filter((m) => !m.fields.isEmpty());
}

/**
 * The order kube-apiserver keeps managedFields in: applies before updates, then by time (in
 * seconds), manager, apiVersion and subresource.
 */
export function sortedManagers(managers: Manager[]): Manager[] {
  const seconds = (m: Manager) => Math.floor(Date.parse(m.time) / 1000) || 0;
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...managers].sort(
    (p, q) =>
      text(p.operation, q.operation) ||
      seconds(p) - seconds(q) ||
      text(p.manager, q.manager) ||
      text(p.apiVersion, q.apiVersion) ||
      text(p.subresource ?? '', q.subresource ?? ''),
  );
}

/** Field sets and time only: what makes two managedFields lists the same ownership. */
export function sameOwnership(before: Manager[], after: Manager[]): boolean {
  const a = sortedManagers(before);
  const b = sortedManagers(after);
  return (
    a.length === b.length && a.every((m, i) => sameManager(m, b[i]) && m.fields.equals(b[i].fields) && m.apiVersion === b[i].apiVersion)
  );
}
