import { JsonValue, clone, isObject } from '../json-value';
import { itemElement } from '../ssa/object-fields';
import { TypeContext, listTypeAt } from '../ssa/type-hints';

/**
 * Strategic merge patch: a merge patch in which lists with merge keys (containers by name,
 * ports, conditions ...) merge item by item, `$patch: delete` removes an item, and
 * `$retainKeys`/`$setElementOrder` directives are accepted and ignored.
 */
export function applyStrategicMergePatch(context: TypeContext, target: JsonValue | undefined, patch: JsonValue): JsonValue {
  return merge(context, target, patch, []);
}

function merge(context: TypeContext, target: JsonValue | undefined, patch: JsonValue, names: string[]): JsonValue {
  if (Array.isArray(patch)) {
    const listType = listTypeAt(context, names);
    if (listType.type === 'atomic' || !Array.isArray(target)) return clone(patch.filter((p) => !(isObject(p) && p['$patch'] === 'delete')));
    const result = [...target];
    patch.forEach((item, i) => {
      const key = itemElement(listType, item, i);
      const at = result.findIndex((existing, j) => itemElement(listType, existing, j) === key);
      const deleting = isObject(item) && item['$patch'] === 'delete';
      if (deleting) {
        if (at >= 0) result.splice(at, 1);
      } else if (at < 0) result.push(clone(item));
      else if (listType.type === 'map') result[at] = merge(context, result[at], item, names);
    });
    return result;
  }
  if (!isObject(patch)) return clone(patch);
  if (patch['$patch'] === 'replace') {
    const replaced = clone(patch);
    delete replaced['$patch'];
    return replaced;
  }
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$') || key.startsWith('$setElementOrder/')) continue;
    if (value === null) delete result[key];
    else result[key] = merge(context, result[key], value, [...names, key]);
  }
  return result;
}
