import { JsonObject, JsonValue, deepEqual, isObject } from '../json-value';
import { FieldPath, FieldSet } from './field-set';
import { ListType, TypeContext, isAtomicMap, isDeducedMap, listTypeAt } from './type-hints';

/** Metadata the server owns; never part of anyone's managed fields. */
const UNTRACKED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);
const UNTRACKED_TOP = new Set(['apiVersion', 'kind']);

/** Path element of a keyed-list item: `k:{"containerPort":80,"protocol":"TCP"}`. */
export function itemElement(listType: ListType, item: JsonValue, index: number): string {
  if (listType.type === 'set') return `v:${JSON.stringify(item)}`;
  if (listType.type === 'map' && isObject(item)) {
    const key: Record<string, JsonValue> = {};
    for (const k of listType.keys) {
      const v = item[k] ?? listType.keyDefaults[k];
      if (v !== undefined) key[k] = v;
    }
    return `k:${JSON.stringify(key)}`;
  }
  return `i:${index}`;
}

interface Visitor {
  /** Called for every node; `leaf` is true for scalars and atomic values, `member` for list items and untyped maps. */
  (path: string[], value: JsonValue, leaf: boolean, member: boolean): void;
}

/** Walks an object in field-ownership terms, skipping server-owned metadata. */
export function walkFields(context: TypeContext, object: JsonObject, visit: Visitor): void {
  const walk = (value: JsonValue, path: string[], names: string[], isListItem: boolean): void => {
    if (Array.isArray(value)) {
      const listType = listTypeAt(context, names);
      if (listType.type === 'atomic') return visit(path, value, true, isListItem);
      visit(path, value, false, isListItem);
      value.forEach((item, i) => {
        const itemPath = [...path, itemElement(listType, item, i)];
        if (listType.type === 'set' || !isObject(item)) visit(itemPath, item, true, true);
        else walk(item, itemPath, names, true);
      });
      return;
    }
    if (isObject(value) && !(names.length > 0 && isAtomicMap(context, names))) {
      visit(path, value, Object.keys(value).length === 0 && !isListItem, isListItem || isDeducedMap(context, names));
      for (const [k, child] of Object.entries(value)) {
        if (path.length === 0 && UNTRACKED_TOP.has(k)) continue;
        if (path.length === 1 && path[0] === 'f:metadata' && UNTRACKED_METADATA.has(k)) continue;
        walk(child, [...path, `f:${k}`], [...names, k], false);
      }
      return;
    }
    visit(path, value, true, isListItem);
  };
  walk(object, [], [], false);
}

/**
 * The fields an applied configuration sets: its leaves and list items (with their `.`),
 * an empty map counting as a leaf. This is what the applier comes to own.
 */
export function appliedFieldSet(context: TypeContext, applied: JsonObject): FieldSet {
  const set = new FieldSet();
  walkFields(context, applied, (path, value, leaf, isListItem) => {
    if (path.length === 0) return;
    if (leaf || isListItem) set.add(path);
    void value;
  });
  return set;
}

/** Every node of an object (maps, lists, items, leaves) with its value, by path key. */
export function allFieldValues(context: TypeContext, object: JsonObject): Map<string, { path: string[]; value: JsonValue; leaf: boolean }> {
  const out = new Map<string, { path: string[]; value: JsonValue; leaf: boolean }>();
  walkFields(context, object, (path, value, leaf) => {
    if (path.length === 0) return;
    out.set(path.join('\n'), { path, value, leaf });
  });
  return out;
}

/** Removes the node at `path` from `object` (keyed-list items and set values included). */
export function removeField(object: JsonObject, path: FieldPath, context: TypeContext): void {
  let parent: JsonValue = object;
  const names: string[] = [];
  for (let i = 0; i < path.length - 1; i++) {
    parent = step(parent, path[i], names, context) as JsonValue;
    if (parent === undefined || parent === null) return;
  }
  const last = path[path.length - 1];
  if (last.startsWith('f:') && isObject(parent)) {
    delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const listType = listTypeAt(context, names);
    const index = parent.findIndex((item, i) => itemElement(listType, item, i) === last);
    if (index >= 0) parent.splice(index, 1);
  }
}

/** The value at a path, or undefined. */
export function fieldValue(object: JsonObject, path: FieldPath, context: TypeContext): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  const names: string[] = [];
  for (const pe of path) {
    current = step(current, pe, names, context);
    if (current === undefined) return undefined;
  }
  return current;
}

function step(value: JsonValue | undefined, pe: string, names: string[], context: TypeContext): JsonValue | undefined {
  if (pe.startsWith('f:')) {
    if (!isObject(value)) return undefined;
    names.push(pe.slice(2));
    return value[pe.slice(2)];
  }
  if (!Array.isArray(value)) return undefined;
  const listType = listTypeAt(context, names);
  return value.find((item, i) => itemElement(listType, item, i) === pe);
}

export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return deepEqual(a, b);
}
