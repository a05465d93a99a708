import { JsonObject, isObject } from '../json-value';

/**
 * Field ownership as structured-merge-diff records it. A path is a list of path elements
 * in FieldsV1 spelling: `f:name` (field), `k:{"name":"web"}` (item of a keyed list),
 * `v:"x"` (item of a set list), `i:3` (item of a positional list).
 */
export type FieldPath = readonly string[];

/** Separator that cannot occur inside a path element (JSON escapes control characters). */
const SEP = '\n';

export function pathKey(path: FieldPath): string {
  return path.join(SEP);
}

export function pathFromKey(key: string): string[] {
  return key === '' ? [] : key.split(SEP);
}

/** A set of field paths, stored by key for cheap set algebra. */
export class FieldSet {
  private readonly keys: Set<string>;

  constructor(keys?: Iterable<string>) {
    this.keys = new Set(keys);
  }

  static ofPaths(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.add(p);
    return set;
  }

  add(path: FieldPath): void {
    this.keys.add(pathKey(path));
  }

  has(path: FieldPath): boolean {
    return this.keys.has(pathKey(path));
  }

  hasKey(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  isEmpty(): boolean {
    return this.keys.size === 0;
  }

  keyList(): string[] {
    return [...this.keys];
  }

  paths(): string[][] {
    return this.keyList().map(pathFromKey);
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.keys, ...other.keys]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet([...this.keys].filter((k) => !other.keys.has(k)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet([...this.keys].filter((k) => other.keys.has(k)));
  }

  /** True when some member lies at or below `path`. */
  hasPrefix(path: FieldPath): boolean {
    const prefix = pathKey(path);
    for (const k of this.keys) if (k === prefix || k.startsWith(prefix + SEP)) return true;
    return false;
  }

  equals(other: FieldSet): boolean {
    return this.keys.size === other.keys.size && [...this.keys].every((k) => other.keys.has(k));
  }
}

/** Reads a FieldsV1 tree: a node is a member when it is a leaf `{}` or carries `".": {}`. */
export function fieldSetFromFieldsV1(tree: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: string[]): void => {
    if (!isObject(node)) return;
    for (const [pe, child] of Object.entries(node)) {
      if (pe === '.') continue;
      const childPath = [...path, pe];
      if (!isObject(child) || Object.keys(child).length === 0 || '.' in child) set.add(childPath);
      walk(child, childPath);
    }
  };
  walk(tree, []);
  return set;
}

/** Writes a FieldsV1 tree, with keys sorted as the Go serializer sorts them. */
export function fieldSetToFieldsV1(set: FieldSet): JsonObject {
  interface Node {
    member: boolean;
    children: Map<string, Node>;
  }
  const root: Node = { member: false, children: new Map() };
  for (const path of set.paths()) {
    let node = root;
    for (const pe of path) {
      let child = node.children.get(pe);
      if (!child) {
        child = { member: false, children: new Map() };
        node.children.set(pe, child);
      }
      node = child;
    }
    node.member = true;
  }
  const render = (node: Node): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    for (const pe of [...node.children.keys()].sort()) out[pe] = render(node.children.get(pe)!);
    return out;
  };
  return render(root);
}

/** Formats a path the way conflict messages do: `.spec.containers[name="web"].image`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const pe of path) {
    const body = pe.slice(2);
    if (pe.startsWith('f:')) out += `.${body}`;
    else if (pe.startsWith('k:')) {
      const key = JSON.parse(body) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (pe.startsWith('v:')) out += `[=${body}]`;
    else if (pe.startsWith('i:')) out += `[${body}]`;
  }
  return out;
}
