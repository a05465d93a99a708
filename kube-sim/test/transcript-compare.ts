/**
 * Structural comparison of a simulator response with a recorded one, ignoring what is
 * unique to a run (README of the transcripts): uids, timestamps, resourceVersion values
 * (but not whether they changed), clusterIPs and node ports, pod-template-hash, generated
 * name suffixes, the cluster CA and ServiceAccount tokens, continue tokens and Go pointers in
 * messages.
 */
export class RunMapping {
  /** transcript resourceVersion → simulator resourceVersion, for objects. */
  readonly versions = new Map<string, string>();
  readonly continues = new Map<string, string>();

  /** Rewrites a recorded request path to this run's resourceVersions and continue tokens. */
  rewritePath(path: string): string {
    return path
      .replace(/([?&]resourceVersion=)(\d+)/, (_, p: string, rv: string) => p + (rv === '1' ? rv : (this.versions.get(rv) ?? rv)))
      .replace(/([?&]continue=)([^&]+)/, (_, p: string, token: string) => p + (this.continues.get(token) ?? token));
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g;

function normalizeString(value: string): string {
  return value
    .replace(UUID, '<uuid>')
    .replace(TIME, '<time>')
    .replace(/^10\.96\.\d+\.\d+$/, '<cluster-ip>')
    .replace(/^\d+\.\d+\.\d+\.\d+:\d+$/, '<server-address>')
    .replace(/0x[0-9a-f]+/g, '0x')
    .replace(/^kube-api-access-[a-z0-9]{5}$/, 'kube-api-access-<rand>')
    .replace(/-[a-z0-9]{9,10}(-[a-z0-9]{5})?(?=$|["\s])/g, (_m, rand?: string) => (rand ? '-<hash>-<rand>' : '-<hash>'))
    .replace(/^[a-z0-9]{9,10}$/, '<hash>');
}

function normalizeKey(key: string): string {
  return key.replace(UUID, '<uuid>');
}

export interface Difference {
  path: string;
  expected: unknown;
  actual: unknown;
}

const nameOf = (item: unknown): string | undefined => {
  const metadata = item && typeof item === 'object' ? (item as { metadata?: { name?: unknown } }).metadata : undefined;
  return typeof metadata?.name === 'string' ? normalizeString(metadata.name) : undefined;
};

/**
 * Lists sort by name, so items whose names differ only in generated parts (ReplicaSets named
 * by pod-template-hash) come in an order unique to the run: within each such group, pair
 * every recorded item with the listed item it differs from least. Other items keep their place.
 */
function pairByGeneratedName(expected: unknown[], actual: unknown[], mapping: RunMapping): unknown[] {
  const paired = [...actual];
  const groups = new Map<string, number[]>();
  expected.forEach((item, i) => {
    const name = nameOf(item);
    if (name !== undefined && name === nameOf(actual[i])) groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  for (const positions of groups.values()) {
    if (positions.length < 2) continue;
    const free = positions.map((i) => actual[i]);
    for (const i of positions) {
      // A scratch mapping: scoring must not record resourceVersions.
      const score = (candidate: unknown) => compareBodies(expected[i], candidate, cloneMapping(mapping)).length;
      const best = free.reduce((a, b) => (score(b) < score(a) ? b : a));
      free.splice(free.indexOf(best), 1);
      paired[i] = best;
    }
  }
  return paired;
}

function cloneMapping(mapping: RunMapping): RunMapping {
  const copy = new RunMapping();
  for (const [k, v] of mapping.versions) copy.versions.set(k, v);
  return copy;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function byManager(a: unknown, b: unknown): number {
  const key = (e: unknown) => (isRecord(e) ? `${String(e['operation'])}\n${String(e['manager'])}\n${String(e['subresource'] ?? '')}` : '');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

/** Values only one server could have chosen and whose place tells what they are, replaced. */
export function normaliseAnswer(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseAnswer);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const normalised = normaliseAnswer(child);
    // Ports allocated from the node-port range; the cluster's CA; ServiceAccount tokens.
    if ((key === 'nodePort' || key === 'healthCheckNodePort') && typeof normalised === 'number') out[key] = '<node-port>';
    else if ((key === 'ca.crt' || key === 'token') && typeof normalised === 'string') out[key] = '<cluster-specific>';
    // managedFields are kept in time order, and two runs' times differ: compare them by manager.
    else if (key === 'managedFields' && Array.isArray(normalised)) out[key] = [...normalised].sort(byManager);
    else out[key] = normalised;
  }
  // generateName's random suffix.
  const metadata = out['metadata'];
  if (isRecord(metadata)) {
    const prefix = metadata['generateName'];
    const name = metadata['name'];
    if (typeof prefix === 'string' && typeof name === 'string' && name.startsWith(prefix) && name.length === prefix.length + 5)
      metadata['name'] = `${prefix}<generated>`;
  }
  return out;
}

export function compareBodies(expected: unknown, actual: unknown, mapping: RunMapping): Difference[] {
  const differences: Difference[] = [];
  const walk = (e: unknown, a: unknown, path: string, key: string): void => {
    if (key === 'resourceVersion' && typeof e === 'string' && typeof a === 'string') {
      if (path.endsWith('.metadata.resourceVersion') && path.split('.').length <= 3 && path.startsWith('$.metadata')) {
        // a list's resourceVersion: record only, other writers (controllers) may interleave
        if (!mapping.versions.has(e)) mapping.versions.set(e, a);
        return;
      }
      const known = mapping.versions.get(e);
      if (known === undefined) {
        if ([...mapping.versions.values()].includes(a) && !path.includes('stream'))
          differences.push({ path, expected: `${e} (new version)`, actual: `${a} (a version seen before)` });
        mapping.versions.set(e, a);
      } else if (known !== a) differences.push({ path, expected: `${e} (= ${known} of this run)`, actual: a });
      return;
    }
    if (key === 'continue' && typeof e === 'string' && typeof a === 'string') {
      mapping.continues.set(e, a);
      return;
    }
    if (key === 'storageVersionHash' && typeof e === 'string' && typeof a === 'string' && e.length === a.length) {
      if (e !== a) differences.push({ path, expected: e, actual: a });
      return;
    }
    if (Array.isArray(e)) {
      if (!Array.isArray(a) || a.length !== e.length) {
        differences.push({ path, expected: e, actual: a });
        return;
      }
      const paired = key === 'items' ? pairByGeneratedName(e, a, mapping) : a;
      e.forEach((item, i) => walk(item, paired[i], `${path}[${i}]`, ''));
      return;
    }
    if (e !== null && typeof e === 'object') {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) {
        differences.push({ path, expected: e, actual: a });
        return;
      }
      // Keys are compared normalized too: managedFields name list items by uid (k:{"uid":...}).
      const actualByKey = new Map(Object.keys(a).map((k) => [normalizeKey(k), k]));
      const ek = Object.keys(e).sort();
      const missing = ek.filter((k) => !actualByKey.has(normalizeKey(k)));
      const expectedKeys = new Set(ek.map(normalizeKey));
      const extra = [...actualByKey.keys()].filter((k) => !expectedKeys.has(k));
      if (missing.length || extra.length)
        differences.push({
          path,
          expected: `keys ${missing.join(',')}`,
          actual: `extra keys ${extra.join(',')} / missing ${missing.join(',')}`,
        });
      for (const k of ek) {
        const ak = actualByKey.get(normalizeKey(k));
        if (ak !== undefined) walk((e as Record<string, unknown>)[k], (a as Record<string, unknown>)[ak], `${path}.${k}`, k);
      }
      return;
    }
    const same = typeof e === 'string' && typeof a === 'string' ? normalizeString(e) === normalizeString(a) : e === a;
    if (!same) differences.push({ path, expected: e, actual: a });
  };
  walk(normaliseAnswer(expected), normaliseAnswer(actual), '$', '');
  return differences;
}

/** Removes the value at a JSON path as the comparison prints it (`$.spec.ports[0].nodePort`): a known difference. */
export function removePath(root: unknown, path: string): unknown {
  const parts = [...path.replace(/^\$/, '').matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  if (parts.length === 0) return undefined;
  let parent: unknown = root;
  for (const part of parts.slice(0, -1)) {
    parent = typeof part === 'number' ? (Array.isArray(parent) ? parent[part] : undefined) : isRecord(parent) ? parent[part] : undefined;
    if (parent === undefined) return root;
  }
  const last = parts[parts.length - 1];
  if (typeof last === 'number' && Array.isArray(parent)) parent.splice(last, 1);
  else if (typeof last === 'string' && isRecord(parent)) delete parent[last];
  return root;
}
