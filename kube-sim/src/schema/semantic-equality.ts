import { JsonValue, deepEqual, isObject } from '../json-value';
import { FieldType, childType, kindType, typeAtPath } from './builtin-schema';
import { sameQuantity } from './quantity';

/**
 * kube-apiserver's semantic equality (apiequality.Semantic.DeepEqual): values are equal when
 * they are deeply equal, quantities when they have the same value however spelled. It decides
 * whether a spec changed (generation) and which ReplicaSet matches a Deployment's template.
 */
export function semanticallyEqual(type: FieldType | undefined, a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (!type) return deepEqual(a, b);
  if (type.kind === 'scalar' && type.scalar === 'quantity')
    return (typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number')
      ? sameQuantity(a, b)
      : a === b;
  if (type.kind === 'list') {
    if (!Array.isArray(a) || !Array.isArray(b)) return deepEqual(a, b);
    return a.length === b.length && a.every((item, i) => semanticallyEqual(type.item, item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!semanticallyEqual(childType(type, key), a[key], b[key])) return false;
    return true;
  }
  return deepEqual(a, b);
}

/** Semantic equality of a built-in kind's values at a path of field names (the whole object for []). */
export function semanticallyEqualAt(
  apiVersion: string,
  kind: string,
  names: string[],
  a: JsonValue | undefined,
  b: JsonValue | undefined,
): boolean {
  const root = kindType(apiVersion, kind);
  const type: FieldType | undefined = root && (names.length === 0 ? { kind: 'struct', name: root.name } : typeAtPath(root, names));
  return semanticallyEqual(type, a, b);
}
