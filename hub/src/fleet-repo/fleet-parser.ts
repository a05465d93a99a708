import { isDns1123Label } from '#core';
import { isScalar, LineCounter, parseAllDocuments } from 'yaml';
import { BUNDLE_SPEC_FIELDS, BundleSpecReader } from './bundle-reader';
import { FieldReader, formatFieldPath, type Path } from './field-reader';
import { FLEET_API_VERSION, type BundleDocument, type ClusterGroupDocument, type FleetError } from './fleet-format';

export { formatFieldPath };

/** Fleet files are small; anything bigger is a mistake or an attack. */
export const MAX_FLEET_FILE_BYTES = 1024 * 1024;
/** Aliases expand on conversion; a handful is plenty for hand-written fleet files. */
const MAX_ALIAS_COUNT = 100;

export const FLEET_KINDS = ['Bundle', 'ClusterGroup'] as const;

export interface ParsedFleetFile {
  bundles: BundleDocument[];
  groups: ClusterGroupDocument[];
  errors: FleetError[];
}

/**
 * Parses one fleet file (any number of YAML documents) and validates each document on its
 * own. Cross-file rules (unique names, references, paths existing at the commit) are in
 * fleet-snapshot.ts.
 */
export function parseFleetFile(file: string, text: string): ParsedFleetFile {
  const result: ParsedFleetFile = { bundles: [], groups: [], errors: [] };
  if (Buffer.byteLength(text) > MAX_FLEET_FILE_BYTES) {
    result.errors.push({ file, line: null, field: null, message: `file is larger than ${MAX_FLEET_FILE_BYTES} bytes` });
    return result;
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, merge: false, version: '1.2' });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  for (const doc of Array.isArray(documents) ? documents : []) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) result.errors.push({ file, line: lineAt(e.pos[0]), field: null, message: firstLine(e.message) });
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      result.errors.push({ file, line: lineAt(doc.contents.range?.[0] ?? 0), field: null, message: firstLine((e as Error).message) });
      continue;
    }
    const reader = new FieldReader(file, doc, lineAt);
    const read = readDocument(reader, value);
    result.errors.push(...reader.errors);
    if (reader.errors.length > 0 || read === undefined) continue;
    if ('bundle' in read) result.bundles.push(read);
    else result.groups.push(read);
  }
  return result;
}

function readDocument(r: FieldReader, value: unknown): BundleDocument | ClusterGroupDocument | undefined {
  const root = r.mapping(value, []);
  if (root === undefined) return undefined;
  r.knownKeys(root, [], ['apiVersion', 'kind', 'metadata', 'spec']);
  const apiVersion = r.string(root.apiVersion, ['apiVersion'], true);
  if (apiVersion !== undefined && apiVersion !== FLEET_API_VERSION)
    r.fail(['apiVersion'], `must be ${FLEET_API_VERSION}, got "${apiVersion}"`);
  const kind = r.string(root.kind, ['kind'], true);
  if (kind !== undefined && !(FLEET_KINDS as readonly string[]).includes(kind)) {
    r.fail(['kind'], `unsupported kind "${kind}" (supported: ${FLEET_KINDS.join(', ')})`);
    return undefined;
  }
  const name = readMetadata(r, root.metadata);
  const spec = r.mapping(root.spec, ['spec'], true);
  if (spec === undefined || name === undefined || kind === undefined) return undefined;
  return kind === 'ClusterGroup' ? readClusterGroup(r, name, spec) : readBundle(r, name, spec);
}

function readMetadata(r: FieldReader, value: unknown): string | undefined {
  const metadata = r.mapping(value, ['metadata'], true);
  if (metadata === undefined) return undefined;
  r.knownKeys(metadata, ['metadata'], ['name', 'labels', 'annotations']);
  const name = r.string(metadata.name, ['metadata', 'name'], true);
  if (name !== undefined && !isDns1123Label(name)) {
    r.fail(['metadata', 'name'], `"${name}" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)`);
  }
  r.stringMap(metadata.labels, ['metadata', 'labels']);
  r.stringMap(metadata.annotations, ['metadata', 'annotations']);
  return name;
}

function readClusterGroup(r: FieldReader, name: string, spec: Record<string, unknown>): ClusterGroupDocument | undefined {
  r.knownKeys(spec, ['spec'], ['selector']);
  const selector = r.selector(spec.selector, ['spec', 'selector']);
  if (selector === undefined) return undefined;
  return { file: r.file, line: r.lineOf([]), nameLine: r.lineOf(['metadata', 'name']), group: { name, selector } };
}

function readBundle(r: FieldReader, name: string, spec: Record<string, unknown>): BundleDocument | undefined {
  const read = new BundleSpecReader(r);
  r.knownKeys(spec, ['spec'], BUNDLE_SPEC_FIELDS);
  const source = read.source(spec.source, normaliseRepoPath);
  const namespace = r.string(spec.namespace, ['spec', 'namespace']) ?? '';
  if (namespace !== '' && !isDns1123Label(namespace)) r.fail(['spec', 'namespace'], `"${namespace}" is not a DNS-1123 label`);
  const targets = read.targets(spec.targets, source?.kind ?? 'raw');
  const syncPolicy = read.syncPolicy(spec.syncPolicy);
  const dependsOn = read.dependsOn(spec.dependsOn, name);
  const suspend = r.boolean(spec.suspend, ['spec', 'suspend']) ?? false;
  const rollout = read.rollout(spec.rollout);
  if (source === undefined) return undefined;

  const fieldLines: Record<string, number> = {};
  const remember = (path: Path) => (fieldLines[formatFieldPath(path)] = r.lineOf(path));
  dependsOn.forEach((_, i) => remember(['spec', 'dependsOn', i]));
  targets.forEach((t, i) => t.clusterGroup !== undefined && remember(['spec', 'targets', i, 'clusterGroup']));
  rollout?.partitions.forEach((p, i) => p.clusterGroup !== undefined && remember(['spec', 'rollout', 'partitions', i, 'clusterGroup']));
  if (source.repo !== undefined) remember(['spec', 'source', 'repo', 'ref']);

  return {
    file: r.file,
    line: r.lineOf([]),
    nameLine: r.lineOf(['metadata', 'name']),
    sourcePathLine: r.lineOf(['spec', 'source', 'path']),
    fieldLines,
    ...(source.repo === undefined ? {} : { sourceRepoUrl: source.repo.url }),
    bundle: {
      name,
      sourcePath: source.path,
      // Filled in by the hub when it resolves the source (fleet-snapshot.ts, fleet-repo.service.ts).
      source: { repoUrl: source.repo?.url ?? '', commit: '', path: source.path, ref: source.repo?.ref ?? '' },
      render: {
        kind: source.kind,
        ...(source.helmReleaseName === undefined ? {} : { helmReleaseName: source.helmReleaseName }),
        helmValues: source.helmValues,
        kustomizePatches: source.kustomizePatches,
      },
      namespace,
      targets,
      syncPolicy,
      dependsOn,
      suspend,
      ...(rollout === undefined ? {} : { rollout }),
      fleetRepo: '',
    },
  };
}

/** Normalises a path inside the repository; undefined when it is absolute or climbs with "..". */
export function normaliseRepoPath(path: string): string | undefined {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return undefined;
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return undefined;
  return segments.length === 0 ? '.' : segments.join('/');
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
