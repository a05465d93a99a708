import { isDns1123Label, isLabelKey, isLabelValue } from '#core';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import {
  FLEET_API_VERSION,
  SELECTOR_OPERATORS,
  type BundleDocument,
  type BundleTarget,
  type FleetError,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SelectorOperator,
} from './fleet-format';

/** Fleet files are small; anything bigger is a mistake or an attack. */
export const MAX_FLEET_FILE_BYTES = 1024 * 1024;
/** Aliases expand on conversion; a handful is plenty for hand-written fleet files. */
const MAX_ALIAS_COUNT = 100;

type Path = (string | number)[];
type Mapping = Record<string, unknown>;

export interface ParsedFleetFile {
  bundles: BundleDocument[];
  errors: FleetError[];
}

/**
 * Parses one fleet file (any number of YAML documents) and validates each document on its
 * own. Cross-file rules (unique names, paths existing at the commit) are in fleet-snapshot.ts.
 */
export function parseFleetFile(file: string, text: string): ParsedFleetFile {
  if (Buffer.byteLength(text) > MAX_FLEET_FILE_BYTES) {
    return { bundles: [], errors: [{ file, line: null, field: null, message: `file is larger than ${MAX_FLEET_FILE_BYTES} bytes` }] };
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, merge: false, version: '1.2' });
  const bundles: BundleDocument[] = [];
  const errors: FleetError[] = [];
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  for (const doc of Array.isArray(documents) ? documents : []) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) errors.push({ file, line: lineAt(e.pos[0]), field: null, message: firstLine(e.message) });
      continue;
    }
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      errors.push({ file, line: lineAt(doc.contents.range?.[0] ?? 0), field: null, message: firstLine((e as Error).message) });
      continue;
    }
    const reader = new DocumentReader(file, doc, lineAt);
    const bundle = reader.readBundle(value);
    errors.push(...reader.errors);
    if (bundle !== undefined && reader.errors.length === 0) bundles.push(bundle);
  }
  return { bundles, errors };
}

/** Validates one document's value, naming the line of the offending field. */
class DocumentReader {
  readonly errors: FleetError[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lineAt: (offset: number) => number,
  ) {}

  readBundle(value: unknown): BundleDocument | undefined {
    const root = this.mapping(value, []);
    if (root === undefined) return undefined;
    this.knownKeys(root, [], ['apiVersion', 'kind', 'metadata', 'spec']);
    const apiVersion = this.string(root.apiVersion, ['apiVersion'], true);
    if (apiVersion !== undefined && apiVersion !== FLEET_API_VERSION) {
      this.fail(['apiVersion'], `must be ${FLEET_API_VERSION}, got "${apiVersion}"`);
    }
    const kind = this.string(root.kind, ['kind'], true);
    if (kind !== undefined && kind !== 'Bundle') this.fail(['kind'], `unsupported kind "${kind}" (supported: Bundle)`);

    const metadata = this.mapping(root.metadata, ['metadata'], true);
    let name: string | undefined;
    if (metadata !== undefined) {
      this.knownKeys(metadata, ['metadata'], ['name', 'labels', 'annotations']);
      name = this.string(metadata.name, ['metadata', 'name'], true);
      if (name !== undefined && !isDns1123Label(name)) {
        this.fail(['metadata', 'name'], `"${name}" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)`);
      }
      this.stringMap(metadata.labels, ['metadata', 'labels']);
      this.stringMap(metadata.annotations, ['metadata', 'annotations']);
    }

    const spec = this.mapping(root.spec, ['spec'], true);
    if (spec === undefined || name === undefined) return undefined;
    this.knownKeys(spec, ['spec'], ['source', 'namespace', 'targets', 'syncPolicy']);
    const sourcePath = this.readSourcePath(spec.source);
    const namespace = this.string(spec.namespace, ['spec', 'namespace']) ?? '';
    if (namespace !== '' && !isDns1123Label(namespace)) this.fail(['spec', 'namespace'], `"${namespace}" is not a DNS-1123 label`);
    const targets = this.readTargets(spec.targets);
    const syncPolicy = this.mapping(spec.syncPolicy, ['spec', 'syncPolicy']);
    if (syncPolicy !== undefined) this.knownKeys(syncPolicy, ['spec', 'syncPolicy'], ['prune', 'selfHeal']);
    const prune = this.boolean(syncPolicy?.prune, ['spec', 'syncPolicy', 'prune']) ?? false;
    const selfHeal = this.boolean(syncPolicy?.selfHeal, ['spec', 'syncPolicy', 'selfHeal']) ?? false;
    if (sourcePath === undefined) return undefined;
    return {
      file: this.file,
      line: this.lineOf([]),
      nameLine: this.lineOf(['metadata', 'name']),
      sourcePathLine: this.lineOf(['spec', 'source', 'path']),
      bundle: { name, sourcePath, namespace, targets, syncPolicy: { prune, selfHeal } },
    };
  }

  private readSourcePath(value: unknown): string | undefined {
    const source = this.mapping(value, ['spec', 'source'], true);
    if (source === undefined) return undefined;
    this.knownKeys(source, ['spec', 'source'], ['path']);
    const path = this.string(source.path, ['spec', 'source', 'path'], true);
    if (path === undefined) return undefined;
    const normalised = normaliseRepoPath(path);
    if (normalised === undefined) {
      this.fail(['spec', 'source', 'path'], "must be a relative path without '..'");
      return undefined;
    }
    return normalised;
  }

  private readTargets(value: unknown): BundleTarget[] {
    const path: Path = ['spec', 'targets'];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(path, 'must be a list');
      return [];
    }
    const targets: BundleTarget[] = [];
    value.forEach((item, i) => {
      const target = this.mapping(item, [...path, i]);
      if (target === undefined) return;
      this.knownKeys(target, [...path, i], ['clusterSelector']);
      const selector = this.readSelector(target.clusterSelector, [...path, i, 'clusterSelector']);
      if (selector !== undefined) targets.push({ clusterSelector: selector });
    });
    return targets;
  }

  private readSelector(value: unknown, path: Path): LabelSelector | undefined {
    const selector = this.mapping(value, path, true);
    if (selector === undefined) return undefined;
    this.knownKeys(selector, path, ['matchLabels', 'matchExpressions']);
    const matchLabels = this.stringMap(selector.matchLabels, [...path, 'matchLabels'], true) ?? {};
    const matchExpressions: LabelSelectorRequirement[] = [];
    const expressionsPath = [...path, 'matchExpressions'];
    if (selector.matchExpressions !== undefined && selector.matchExpressions !== null) {
      if (!Array.isArray(selector.matchExpressions)) {
        this.fail(expressionsPath, 'must be a list');
      } else {
        selector.matchExpressions.forEach((item, i) => {
          const requirement = this.readRequirement(item, [...expressionsPath, i]);
          if (requirement !== undefined) matchExpressions.push(requirement);
        });
      }
    }
    return { matchLabels, matchExpressions };
  }

  private readRequirement(value: unknown, path: Path): LabelSelectorRequirement | undefined {
    const expression = this.mapping(value, path);
    if (expression === undefined) return undefined;
    this.knownKeys(expression, path, ['key', 'operator', 'values']);
    const key = this.string(expression.key, [...path, 'key'], true);
    if (key !== undefined && !isLabelKey(key)) this.fail([...path, 'key'], `"${key}" is not a valid label key`);
    const operator = this.string(expression.operator, [...path, 'operator'], true);
    if (operator !== undefined && !SELECTOR_OPERATORS.includes(operator as SelectorOperator)) {
      this.fail([...path, 'operator'], `unknown operator "${operator}" (one of ${SELECTOR_OPERATORS.join(', ')})`);
      return undefined;
    }
    const valuesPath = [...path, 'values'];
    let values: string[] = [];
    if (expression.values !== undefined && expression.values !== null) {
      if (!Array.isArray(expression.values)) {
        this.fail(valuesPath, 'must be a list of strings');
      } else {
        values = expression.values.flatMap((v, i) => this.string(v, [...valuesPath, i], true) ?? []);
      }
    }
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      this.fail(valuesPath, `must not be empty for operator ${operator}`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      this.fail(valuesPath, `must be empty for operator ${operator}`);
    }
    if (key === undefined || operator === undefined) return undefined;
    return { key, operator: operator as SelectorOperator, values };
  }

  private mapping(value: unknown, path: Path, required = false): Mapping | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Map) {
      this.fail(path, 'must be a mapping');
      return undefined;
    }
    return value as Mapping;
  }

  private string(value: unknown, path: Path, required = false): string | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(path, `must be a string, got ${describe(value)} (quote numbers and booleans)`);
      return undefined;
    }
    if (required && value === '') this.fail(path, 'must not be empty');
    return value;
  }

  private boolean(value: unknown, path: Path): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.fail(path, `must be true or false, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** A map of label keys to label values, as matchLabels and metadata.labels use. */
  private stringMap(value: unknown, path: Path, labels = false): Record<string, string> | undefined {
    const map = this.mapping(value, path);
    if (map === undefined) return undefined;
    const result: Record<string, string> = {};
    for (const [key, v] of Object.entries(map)) {
      const text = this.string(v, [...path, key]);
      if (text === undefined) continue;
      if (labels && !isLabelKey(key)) this.fail([...path, key], `"${key}" is not a valid label key`);
      else if (labels && !isLabelValue(text)) this.fail([...path, key], `"${text}" is not a valid label value`);
      result[key] = text;
    }
    return result;
  }

  private knownKeys(map: Mapping, path: Path, allowed: string[]): void {
    for (const key of Object.keys(map)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  private fail(path: Path, message: string): void {
    this.errors.push({ file: this.file, line: this.lineOf(path), field: path.length === 0 ? null : formatFieldPath(path), message });
  }

  /** Line of the deepest node along `path` that exists (a missing field points at its parent). */
  private lineOf(path: Path): number {
    let node: unknown = this.doc.contents;
    let line = this.nodeLine(node);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
        if (pair === undefined) break;
        line = this.nodeLine(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        line = this.nodeLine(node) ?? line;
      } else {
        break;
      }
    }
    return line ?? 1;
  }

  private nodeLine(node: unknown): number | undefined {
    const range = (node as Node | null | undefined)?.range;
    return range ? this.lineAt(range[0]) : undefined;
  }
}

/** `spec.targets[0].clusterSelector` */
export function formatFieldPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Normalises a path inside the repository; undefined when it is absolute or climbs with "..". */
export function normaliseRepoPath(path: string): string | undefined {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return undefined;
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return undefined;
  return segments.length === 0 ? '.' : segments.join('/');
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
