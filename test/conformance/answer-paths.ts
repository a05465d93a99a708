const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Removes the value at a JSON path as the comparison prints it (`$.spec.ports[0].nodePort`). */
export function removePath(root: unknown, path: string): unknown {
  const parts = [...path.replace(/^\$/, '').matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  if (parts.length === 0) return undefined;
  let parent: unknown = root;
  for (const part of parts.slice(0, -1)) {
    parent = typeof part === 'number' ? (Array.isArray(parent) ? parent[part] : undefined) : isRecord(parent) ? parent[part] : undefined;
    if (parent === undefined) return root;
  }
  const last = parts[parts.length - 1]!;
  if (typeof last === 'number' && Array.isArray(parent)) parent.splice(last, 1);
  else if (typeof last === 'string' && isRecord(parent)) delete parent[last];
  return root;
}

/** The value at a dotted path ("metadata.resourceVersion", "items.0.metadata"), or undefined. */
export function valueAtPath(value: unknown, dotted: string): unknown {
  let current = value;
  for (const part of dotted.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isRecord(current)) current = current[part];
    else return undefined;
  }
  return current;
}
