import { JsonValue, clone, deepEqual, isObject } from '../json-value';

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

/** Thrown for an operation that cannot apply; the API answers 422 (or 500 for bad pointers). */
export class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(document: JsonValue, tokens: string[]): { parent: JsonValue; key: string } {
  let parent: JsonValue = document;
  for (const token of tokens.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(parent) ? parent[Number(token)] : isObject(parent) ? parent[token] : undefined;
    if (next === undefined) throw new JsonPatchError(`doc is missing path: "/${tokens.join('/')}"`);
    parent = next;
  }
  return { parent, key: tokens[tokens.length - 1] };
}

function read(document: JsonValue, pointer: string): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return document;
  const { parent, key } = parentOf(document, tokens);
  const value = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw new JsonPatchError(`doc is missing path: "${pointer}": missing value`);
  return value;
}

function add(document: JsonValue, pointer: string, value: JsonValue): void {
  const { parent, key } = parentOf(document, parsePointer(pointer));
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!(index >= 0 && index <= parent.length)) throw new JsonPatchError(`add operation does not apply: index out of range: ${pointer}`);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    parent[key] = value;
  } else throw new JsonPatchError(`add operation does not apply: doc is missing path: "${pointer}"`);
}

function remove(document: JsonValue, pointer: string): void {
  const { parent, key } = parentOf(document, parsePointer(pointer));
  if (Array.isArray(parent) && Number(key) < parent.length) parent.splice(Number(key), 1);
  else if (isObject(parent) && key in parent) delete parent[key];
  else throw new JsonPatchError(`remove operation does not apply: doc is missing path: "${pointer}": missing value`);
}

/** RFC 6902 JSON patch over a copy of `document`. */
export function applyJsonPatch(document: JsonValue, operations: JsonPatchOperation[]): JsonValue {
  const doc = clone(document);
  for (const op of operations) {
    switch (op.op) {
      case 'add':
        add(doc, op.path, clone(op.value ?? null));
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'replace':
        read(doc, op.path);
        remove(doc, op.path);
        add(doc, op.path, clone(op.value ?? null));
        break;
      case 'move': {
        const value = read(doc, op.from ?? '');
        remove(doc, op.from ?? '');
        add(doc, op.path, value);
        break;
      }
      case 'copy':
        add(doc, op.path, clone(read(doc, op.from ?? '')));
        break;
      case 'test':
        if (!deepEqual(read(doc, op.path), op.value)) throw new JsonPatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${String((op as { op: unknown }).op)}`);
    }
  }
  return doc;
}
