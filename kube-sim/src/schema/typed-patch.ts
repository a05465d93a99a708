import { JsonValue, isObject } from '../json-value';
import { FieldType, StructType, structType } from './builtin-schema';

/**
 * The first reason structured-merge-diff gives for not turning an applied configuration into
 * a typed object — an undeclared field, a value of the wrong type — worded as its messages
 * are (`.spec.replicas: expected numeric (int or float), got string`); undefined when it fits.
 */
export function typedPatchError(root: StructType, object: JsonValue): string | undefined {
  return checkStruct(root, object, '');
}

function checkStruct(struct: StructType, value: JsonValue, path: string): string | undefined {
  if (!isObject(value)) return `${path}: expected map, got &{${goValue(value)}}`;
  for (const [field, child] of Object.entries(value)) {
    const type = struct.fields.get(field);
    if (!type) return `${path}.${field}: field not declared in schema`;
    const error = child === null ? undefined : check(type, child, `${path}.${field}`);
    if (error) return error;
  }
  return undefined;
}

function check(type: FieldType, value: JsonValue, path: string): string | undefined {
  switch (type.kind) {
    case 'struct': {
      const struct = structType(type.name);
      return struct ? checkStruct(struct, value, path) : undefined;
    }
    case 'map':
      if (!isObject(value)) return `${path}: expected map, got &{${goValue(value)}}`;
      for (const [key, item] of Object.entries(value)) {
        const error = item === null ? undefined : check(type.value, item, `${path}.${key}`);
        if (error) return error;
      }
      return undefined;
    case 'list':
      if (!Array.isArray(value)) return `${path}: expected list, got &{${goValue(value)}}`;
      for (const [index, item] of value.entries()) {
        const error = item === null ? undefined : check(type.item, item, `${path}${itemElement(type, item, index)}`);
        if (error) return error;
      }
      return undefined;
    case 'scalar':
      return checkScalar(type.scalar, value, path);
  }
}

function checkScalar(scalar: string, value: JsonValue, path: string): string | undefined {
  if (scalar === 'string' || scalar === 'bytes' || scalar === 'time')
    return typeof value === 'string' ? undefined : `${path}: expected string, got &value.valueUnstructured{Value:${goSyntax(value)}}`;
  if (scalar === 'int32' || scalar === 'int64' || scalar === 'integer' || scalar === 'number')
    return typeof value === 'number' ? undefined : `${path}: expected numeric (int or float), got ${goTypeName(value)}`;
  if (scalar === 'boolean') return typeof value === 'boolean' ? undefined : `${path}: expected boolean, got &{${goValue(value)}}`;
  return undefined;
}

/** How structured-merge-diff names a list item in a path: `[name="web"]`, `[="x"]`, `[0]`. */
function itemElement(type: FieldType & { kind: 'list' }, item: JsonValue, index: number): string {
  if (type.list === 'set') return `[=${JSON.stringify(item)}]`;
  if (type.list === 'keyed' && isObject(item))
    return `[${type.keys
      .filter((k) => item[k] !== undefined)
      .map((k) => `${k}=${JSON.stringify(item[k])}`)
      .join(',')}]`;
  return `[${index}]`;
}

/** Go's %v of a decoded JSON value. */
function goValue(value: JsonValue): string {
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isObject(value))
    return `map[${Object.keys(value)
      .sort()
      .map((k) => `${k}:${goValue(value[k])}`)
      .join(' ')}]`;
  return String(value);
}

/** Go's %#v of a decoded JSON value. */
function goSyntax(value: JsonValue): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  if (isObject(value))
    return `map[string]interface {}{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goSyntax(value[k])}`)
      .join(', ')}}`;
  return String(value);
}

function goTypeName(value: JsonValue): string {
  if (Array.isArray(value)) return '[]interface {}';
  if (isObject(value)) return 'map[string]interface {}';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}
