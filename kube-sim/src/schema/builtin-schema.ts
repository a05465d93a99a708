import recorded from './builtin-schema.json';

/**
 * The schema of the built-in kinds, recorded from a real kube-apiserver's OpenAPI document
 * (test/record-schema.ts): which fields exist, which hold quantities or int-or-strings, which
 * are maps or lists and how server-side apply merges them. Parsed lazily, once per type.
 */
export type ScalarName =
  'string' | 'int32' | 'int64' | 'integer' | 'number' | 'boolean' | 'quantity' | 'int-or-string' | 'time' | 'bytes' | 'any';

export type FieldType =
  | { kind: 'scalar'; scalar: ScalarName }
  | { kind: 'struct'; name: string }
  | { kind: 'map'; atomic: boolean; value: FieldType }
  | { kind: 'list'; list: 'atomic' | 'set' | 'keyed'; keys: string[]; item: FieldType };

export interface StructType {
  name: string;
  atomic: boolean;
  fields: ReadonlyMap<string, FieldType>;
}

const document = recorded as { kinds: Record<string, string>; types: Record<string, Record<string, string>> };
const structs = new Map<string, StructType>();
const parsed = new Map<string, FieldType>();

export function parseFieldType(spec: string): FieldType {
  let type = parsed.get(spec);
  if (type) return type;
  if (spec.startsWith('@')) type = { kind: 'struct', name: spec.slice(1) };
  else if (spec.startsWith('map:')) type = { kind: 'map', atomic: false, value: parseFieldType(spec.slice(4)) };
  else if (spec.startsWith('atomic-map:')) type = { kind: 'map', atomic: true, value: parseFieldType(spec.slice(11)) };
  else if (spec.startsWith('list:')) type = { kind: 'list', list: 'atomic', keys: [], item: parseFieldType(spec.slice(5)) };
  else if (spec.startsWith('set:')) type = { kind: 'list', list: 'set', keys: [], item: parseFieldType(spec.slice(4)) };
  else if (spec.startsWith('keyed(')) {
    const close = spec.indexOf('):');
    type = { kind: 'list', list: 'keyed', keys: spec.slice(6, close).split(','), item: parseFieldType(spec.slice(close + 2)) };
  } else type = { kind: 'scalar', scalar: spec as ScalarName };
  parsed.set(spec, type);
  return type;
}

export function structType(name: string): StructType | undefined {
  let struct = structs.get(name);
  if (struct) return struct;
  const fields = document.types[name];
  if (!fields) return undefined;
  const map = new Map<string, FieldType>();
  for (const [field, spec] of Object.entries(fields)) if (field !== '.atomic') map.set(field, parseFieldType(spec));
  struct = { name, atomic: fields['.atomic'] === 'true', fields: map };
  structs.set(name, struct);
  return struct;
}

/** The struct type of a built-in kind ("apps/v1", "Deployment"), or undefined when not recorded. */
export function kindType(apiVersion: string, kind: string): StructType | undefined {
  const name = document.kinds[`${apiVersion}/${kind}`];
  return name === undefined ? undefined : structType(name);
}

/** The type a field holds inside a struct, map value or list item; undefined for unknown fields. */
export function childType(parent: FieldType, field: string): FieldType | undefined {
  if (parent.kind === 'struct') return structType(parent.name)?.fields.get(field);
  if (parent.kind === 'map') return parent.value;
  if (parent.kind === 'scalar' && parent.scalar === 'any') return parent;
  return undefined;
}

/**
 * The type at a path of field names (list items left out, as the field-ownership walk names
 * them): `['spec', 'template', 'spec', 'containers', 'ports']` is a keyed list.
 */
export function typeAtPath(root: StructType, names: readonly string[]): FieldType | undefined {
  let current: FieldType | undefined = { kind: 'struct', name: root.name };
  for (const name of names) {
    if (current?.kind === 'list') current = current.item;
    current = current && childType(current, name);
    if (!current) return undefined;
  }
  return current;
}
