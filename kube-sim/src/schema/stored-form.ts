import { JsonObject, JsonValue, isObject } from '../json-value';
import { FieldType, ScalarName, StructType, structType } from './builtin-schema';
import { base64ErrorOffset } from './go-base64';
import { QuantityError, canonicalQuantity } from './quantity';

/**
 * A built-in object as kube-apiserver keeps it: decoded into its Go type and stored. What the
 * type does not declare is dropped; quantities and base64 come back canonical; empty maps and
 * lists, empty strings and the zero values of non-pointer fields disappear (omitempty, and
 * the protobuf round trip through etcd); a value of the wrong type is refused.
 */
export class DecodeError extends Error {
  constructor(
    message: string,
    /** The JSON decoder's errors read "error decoding from json: …" once wrapped by apply. */
    readonly fromJsonDecoder: boolean,
  ) {
    super(message);
  }
}

/** Non-pointer omitempty booleans and integers: their zero value is not kept. */
const ZERO_OMITTED = new Set([
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'stdin',
  'stdinOnce',
  'tty',
  'readOnly',
  'paused',
  'publishNotReadyAddresses',
  'preserveUnknownFields',
  'globalDefault',
  'deprecated',
  'minReadySeconds',
  'initialDelaySeconds',
  'hostPort',
  'nodePort',
]);

/** Fields written even when empty (no omitempty): an empty or missing one reads null. */
const ALWAYS_WRITTEN: Record<string, string[]> = {
  'rbac.v1.Role': ['rules'],
  'rbac.v1.ClusterRole': ['rules'],
};

/** Strings kept when empty: those without omitempty, and pointers (an empty storageClassName means "no class"). */
const EMPTY_STRING_KEPT: Record<string, string[]> = {
  'rbac.v1.RoleRef': ['apiGroup'],
  'meta.v1.Condition': ['type', 'status', 'reason', 'message'],
  'core.v1.PersistentVolumeClaimSpec': ['storageClassName'],
  'core.v1.HostPathVolumeSource': ['type'],
};

interface Place {
  /** Go name of the struct holding the field ("DeploymentSpec"). */
  struct: string;
  /** JSON path of struct fields from the root ("spec.replicas"). */
  path: string;
  field: string;
  /** In a map or list: zero values are values, not absent fields. */
  element: boolean;
  resourceList: boolean;
}

export function storedForm(root: StructType, object: JsonObject): JsonObject {
  return convertStruct(root, object, '');
}

function goName(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}

function convertStruct(struct: StructType, value: JsonObject, path: string): JsonObject {
  const out: JsonObject = {};
  const own = goName(struct.name);
  for (const [field, child] of Object.entries(value)) {
    const type = struct.fields.get(field);
    if (!type) continue;
    const place: Place = { struct: own, path: path ? `${path}.${field}` : field, field, element: false, resourceList: false };
    const converted = convert(type, child, place);
    if (converted !== undefined) out[field] = converted;
    else if (EMPTY_STRING_KEPT[struct.name]?.includes(field) && child === '') out[field] = '';
  }
  for (const field of ALWAYS_WRITTEN[struct.name] ?? []) if (out[field] === undefined) out[field] = null;
  return out;
}

/** The stored value, or undefined when it is not stored at all. */
function convert(type: FieldType, value: JsonValue, place: Place): JsonValue | undefined {
  if (value === null) return type.kind === 'scalar' && type.scalar === 'time' ? null : undefined;
  switch (type.kind) {
    case 'struct': {
      const struct = structType(type.name);
      if (!isObject(value)) throw mismatch(value, place, `v1.${goName(type.name)}`);
      return struct ? convertStruct(struct, value, place.path) : value;
    }
    case 'map': {
      if (!isObject(value)) throw mismatch(value, place, `map[string]${goTypeOf(type.value)}`);
      const out: JsonObject = {};
      const inner = { ...place, element: true, resourceList: type.value.kind === 'scalar' && type.value.scalar === 'quantity' };
      for (const [key, item] of Object.entries(value)) {
        const converted = convert(type.value, item, inner);
        if (converted !== undefined) out[key] = converted;
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    case 'list': {
      if (!Array.isArray(value)) throw mismatch(value, place, `[]${goTypeOf(type.item)}`);
      const out = value.map((item) => convert(type.item, item, { ...place, element: true }) ?? null);
      return out.length === 0 ? undefined : out;
    }
    case 'scalar':
      return convertScalar(type.scalar, value, place);
  }
}

function convertScalar(scalar: ScalarName, value: JsonValue, place: Place): JsonValue | undefined {
  const omitted = (zero: boolean) => zero && !place.element && ZERO_OMITTED.has(place.field);
  switch (scalar) {
    case 'string':
      if (typeof value !== 'string') throw mismatch(value, place, 'string');
      return value === '' && !place.element ? undefined : value;
    case 'int32':
    case 'int64':
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw mismatch(value, place, scalar === 'integer' ? 'int' : scalar);
      return omitted(value === 0) ? undefined : value;
    case 'number':
      if (typeof value !== 'number') throw mismatch(value, place, 'float64');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch(value, place, 'bool');
      return omitted(value === false) ? undefined : value;
    case 'quantity':
      if (typeof value !== 'string' && typeof value !== 'number') throw new QuantityError();
      return canonicalQuantity(value, { resourceList: place.resourceList });
    case 'bytes': {
      if (typeof value !== 'string') throw mismatch(value, place, '[]uint8');
      const offset = base64ErrorOffset(value);
      if (offset !== undefined) throw new DecodeError(`illegal base64 data at input byte ${offset}`, true);
      return Buffer.from(value, 'base64').toString('base64');
    }
    case 'int-or-string':
      if (typeof value !== 'string' && typeof value !== 'number') throw mismatch(value, place, 'int32');
      return value;
    default:
      return value;
  }
}

function goTypeOf(type: FieldType): string {
  if (type.kind === 'struct') return `v1.${goName(type.name)}`;
  if (type.kind === 'map') return `map[string]${goTypeOf(type.value)}`;
  if (type.kind === 'list') return `[]${goTypeOf(type.item)}`;
  return (
    { string: 'string', int32: 'int32', int64: 'int64', integer: 'int', number: 'float64', boolean: 'bool' }[type.scalar as string] ??
    type.scalar
  );
}

function jsonKind(value: JsonValue): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return `number ${value}`;
  if (Array.isArray(value)) return 'array';
  if (isObject(value)) return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

/** encoding/json's message for a value of the wrong type. */
function mismatch(value: JsonValue, place: Place, goType: string): DecodeError {
  return new DecodeError(
    `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${place.struct}.${place.path} of type ${goType}`,
    false,
  );
}
