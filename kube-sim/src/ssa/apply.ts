import { JsonObject, JsonValue, clone, deepEqual, isObject } from '../json-value';
import { FieldPath, FieldSet, formatPath, pathFromKey, pathKey } from './field-set';
import { Manager, ManagerIdentity, compareObjects, sameManager } from './managed-fields';
import { appliedFieldSet, fieldValue, itemElement, removeField } from './object-fields';
import { TypeContext, isAtomicMap, listTypeAt } from './type-hints';

export interface ApplyRequest {
  context: TypeContext;
  /** The live object, or undefined when the apply creates it. */
  live: JsonObject | undefined;
  liveManagers: Manager[];
  applied: JsonObject;
  applier: string;
  apiVersion: string;
  force: boolean;
  now: string;
}

export interface ApplyConflict {
  manager: string;
  /** Set for a conflict with an Update manager, whose API version the message names. */
  apiVersion?: string;
  path: FieldPath;
}

export type ApplyOutcome =
  { ok: true; merged: JsonObject; managers: Manager[]; appliedFields: FieldSet } | { ok: false; conflicts: ApplyConflict[] };

/**
 * Server-side apply: merge the applied configuration into the live object, detect
 * conflicts with other managers, and remove fields the applier owned alone and no longer sets.
 * `finish` (defaults, Secret folding) runs on the merged object before ownership of removed
 * fields is settled, so it sees what will be stored.
 */
export function serverSideApply(request: ApplyRequest, finish: (merged: JsonObject) => JsonObject): ApplyOutcome {
  const { context, live, applied } = request;
  const applier: ManagerIdentity = { manager: request.applier, operation: 'Apply' };
  const appliedFields = appliedFieldSet(context, applied);
  const previous = request.liveManagers.find((m) => sameManager(m, applier));

  const conflicts: ApplyConflict[] = [];
  for (const m of request.liveManagers) {
    if (sameManager(m, applier)) continue;
    for (const key of m.fields.intersection(appliedFields).keyList()) {
      const path = pathFromKey(key);
      if (!path[path.length - 1].startsWith('f:')) continue;
      const current = live ? fieldValue(live, path, context) : undefined;
      if (!deepEqual(current, fieldValue(applied, path, context)))
        conflicts.push({ manager: m.manager, ...(m.operation === 'Update' ? { apiVersion: m.apiVersion } : {}), path });
    }
  }
  if (conflicts.length > 0 && !request.force) return { ok: false, conflicts };

  const taken = FieldSet.ofPaths(conflicts.map((c) => c.path));
  let managers = request.liveManagers.filter((m) => !sameManager(m, applier)).map((m) => ({ ...m, fields: m.fields.difference(taken) }));

  let merged = mergeValue(context, live ? clone(live) : undefined, applied, []) as JsonObject;
  const othersOwn = managers.reduce((acc, m) => acc.union(m.fields), new FieldSet());
  for (const path of droppedPaths(previous?.fields, appliedFields, othersOwn)) removeField(merged, path, context);

  merged = finish(merged);
  const removed = compareObjects(context, live, merged).removed;
  managers = managers.map((m) => ({ ...m, fields: m.fields.difference(removed) }));

  const unchangedSet = previous !== undefined && previous.fields.equals(appliedFields);
  const entry: Manager = {
    manager: request.applier,
    operation: 'Apply',
    apiVersion: request.apiVersion,
    time: unchangedSet && live && deepEqual(stripMeta(live), stripMeta(merged)) ? previous.time : request.now,
    fields: appliedFields,
  };
  const position = request.liveManagers.findIndex((m) => sameManager(m, applier));
  const ordered = request.liveManagers.filter((m) => !sameManager(m, applier)).map((m) => managers.find((x) => sameManager(x, m))!);
  if (position >= 0) ordered.splice(position, 0, entry);
  else ordered.push(entry);
  return { ok: true, merged, managers: ordered.filter((m) => !m.fields.isEmpty()), appliedFields };
}

function stripMeta(o: JsonObject): JsonObject {
  const copy = { ...o };
  delete copy['metadata'];
  return copy;
}

/**
 * What an apply removes: the fields the applier set last time and no longer sets, and the
 * named fields above them (a probe, `resources`, a map), with whatever nobody owns inside them
 * — unless the applier still sets or another manager owns something there. Outermost first: a
 * list item goes whole, before removing its key fields could hide it.
 */
function droppedPaths(previous: FieldSet | undefined, applied: FieldSet, othersOwn: FieldSet): string[][] {
  if (!previous) return [];
  const candidates = new Map<string, string[]>();
  for (const path of previous.difference(applied).paths()) {
    candidates.set(pathKey(path), path);
    for (let end = path.length - 1; end > 0; end--) {
      const ancestor = path.slice(0, end);
      if (ancestor[end - 1].startsWith('f:') && !(end === 1 && ancestor[0] === 'f:metadata')) candidates.set(pathKey(ancestor), ancestor);
    }
  }
  return [...candidates.values()]
    .filter((path) => !applied.hasPrefix(path) && !othersOwn.hasPrefix(path))
    .sort((a, b) => a.length - b.length);
}

/** Merges an applied value into a live value following list types and atomic maps. */
export function mergeValue(context: TypeContext, live: JsonValue | undefined, applied: JsonValue, names: string[]): JsonValue {
  if (Array.isArray(applied)) {
    const listType = listTypeAt(context, names);
    if (listType.type === 'atomic' || !Array.isArray(live)) return clone(applied);
    const result = [...live];
    const keyOf = (item: JsonValue, i: number) => itemElement(listType, item, i);
    applied.forEach((item, i) => {
      const key = keyOf(item, i);
      const at = result.findIndex((existing, j) => keyOf(existing, j) === key);
      if (at < 0) result.push(clone(item));
      else if (listType.type === 'map') result[at] = mergeValue(context, result[at], item, names);
    });
    return result;
  }
  if (isObject(applied) && !(names.length > 0 && isAtomicMap(context, names))) {
    const result: JsonObject = isObject(live) ? live : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) {
        delete result[k];
        continue;
      }
      result[k] = mergeValue(context, result[k], v, [...names, k]);
    }
    return result;
  }
  return clone(applied);
}

/** `conflict with "kubectl" using v1` for an Update manager; an applier is named alone. */
export function conflictWith(conflict: ApplyConflict): string {
  return `conflict with "${conflict.manager}"${conflict.apiVersion ? ` using ${conflict.apiVersion}` : ''}`;
}

/** The 409 message kube-apiserver writes for apply conflicts. */
export function conflictMessage(conflicts: ApplyConflict[]): string {
  const n = conflicts.length;
  if (n === 1) {
    const c = conflicts[0];
    return `Apply failed with 1 conflict: ${conflictWith(c)}: ${formatPath(c.path)}`;
  }
  const lines = conflicts.map((c) => `- ${conflictWith(c)}: ${formatPath(c.path)}`);
  return `Apply failed with ${n} conflicts: \n${lines.join('\n')}`;
}
