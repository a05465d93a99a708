import { isObject } from '../json-value';
import { FieldType, StructType, kindType, structType, typeAtPath } from '../schema/builtin-schema';
import type { Schema } from '../validation/structural-schema';

/**
 * What field ownership needs from the schema: which lists are keyed or sets, and which
 * maps/structs are atomic. Built-in kinds read the recorded schema; custom resources know
 * only their metadata (their lists are atomic, as structured-merge-diff treats untyped lists).
 */
export type ListType = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[]; keyDefaults: Record<string, string | number> };

/** The type an object path belongs to: a built-in kind (with its apiVersion) or a custom resource. */
export interface TypeContext {
  kind: string;
  custom: boolean;
  apiVersion?: string;
  /** A custom resource's structural schema, from its CRD. */
  customSchema?: Schema;
}

const OBJECT_META = structType('meta.v1.ObjectMeta')!;
/** List keys the API server defaults before merging, so items without them still match. */
const KEY_DEFAULTS: Record<string, string> = { protocol: 'TCP' };
const ATOMIC: ListType = { type: 'atomic' };
const SET: ListType = { type: 'set' };

const roots = new Map<string, StructType | undefined>();
const types = new Map<string, FieldType | undefined>();

function rootOf(context: TypeContext): StructType | undefined {
  const key = `${context.apiVersion ?? ''}/${context.kind}`;
  if (!roots.has(key)) roots.set(key, kindType(context.apiVersion ?? '', context.kind) ?? kindTypeByName(context.kind));
  return roots.get(key);
}

/** For callers that know only the kind (tests, controllers): its type in the preferred version. */
function kindTypeByName(kind: string): StructType | undefined {
  for (const apiVersion of [
    'v1',
    'apps/v1',
    'batch/v1',
    'networking.k8s.io/v1',
    'policy/v1',
    'autoscaling/v2',
    'rbac.authorization.k8s.io/v1',
  ]) {
    const found = kindType(apiVersion, kind);
    if (found) return found;
  }
  return undefined;
}

/** The schema type at a path of field names, or undefined (unknown field, custom resource body). */
export function schemaTypeAt(context: TypeContext, fieldNames: readonly string[]): FieldType | undefined {
  const key = `${context.custom ? '*' : (context.apiVersion ?? '')}/${context.kind}\n${fieldNames.join('\n')}`;
  if (types.has(key)) return types.get(key);
  let found: FieldType | undefined;
  if (fieldNames[0] === 'metadata')
    found = fieldNames.length === 1 ? { kind: 'struct', name: OBJECT_META.name } : typeAtPath(OBJECT_META, fieldNames.slice(1));
  else if (!context.custom) {
    const root = rootOf(context);
    found = root && typeAtPath(root, fieldNames);
  }
  types.set(key, found);
  return found;
}

/** `fieldNames` is the path of field names only (list items left out). */
export function listTypeAt(context: TypeContext, fieldNames: readonly string[]): ListType {
  const type = schemaTypeAt(context, fieldNames);
  if (type?.kind !== 'list') return ATOMIC;
  if (type.list === 'set') return SET;
  if (type.list === 'atomic') return ATOMIC;
  const keyDefaults: Record<string, string> = {};
  for (const key of type.keys) if (KEY_DEFAULTS[key] !== undefined) keyDefaults[key] = KEY_DEFAULTS[key];
  return { type: 'map', keys: type.keys, keyDefaults };
}

/** Whether the object at these field names (a list's items when it is a list) is one atomic value. */
export function isAtomicMap(context: TypeContext, fieldNames: readonly string[]): boolean {
  let type = schemaTypeAt(context, fieldNames);
  if (type?.kind === 'list') type = type.item;
  if (type?.kind === 'map') return type.atomic;
  if (type?.kind === 'struct') return structType(type.name)?.atomic ?? false;
  return false;
}

/**
 * Whether an object inside a custom resource is untyped — below a field that preserves unknown
 * fields: structured-merge-diff makes such maps members of a field set, with their fields.
 */
export function isDeducedMap(context: TypeContext, fieldNames: readonly string[]): boolean {
  if (!context.custom || !context.customSchema || fieldNames.length === 0 || fieldNames[0] === 'metadata') return false;
  let schema: Schema | undefined = context.customSchema;
  for (const name of fieldNames) {
    if (schema.type === 'array' && schema.items) schema = schema.items;
    const next: Schema | undefined =
      schema.properties?.[name] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
    if (!next) return schema['x-kubernetes-preserve-unknown-fields'] === true || schema.type === undefined;
    schema = next;
  }
  return false;
}

/**
 * Fields that exist in the zero value of a built-in Go type (non-pointer structs). An
 * Update that fills them does not "add" them, so their owners get no `.` entry.
 */
export function zeroValueStructs(context: TypeContext): string[][] {
  if (context.custom) return [['metadata']];
  const paths = [['metadata'], ['spec'], ['status']];
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'PodTemplate'].includes(context.kind)) {
    paths.push(
      ['spec', 'template'],
      ['spec', 'template', 'metadata'],
      ['spec', 'template', 'metadata', 'creationTimestamp'],
      ['spec', 'template', 'spec'],
      ['spec', 'template', 'spec', 'containers'],
    );
  }
  if (context.kind === 'Deployment') paths.push(['spec', 'strategy']);
  if (context.kind === 'StatefulSet' || context.kind === 'DaemonSet') paths.push(['spec', 'updateStrategy']);
  if (context.kind === 'Service') paths.push(['status', 'loadBalancer']);
  if (context.kind === 'PersistentVolumeClaim') paths.push(['spec', 'resources']);
  if (context.kind === 'Pod') paths.push(['spec', 'containers']);
  return paths;
}
