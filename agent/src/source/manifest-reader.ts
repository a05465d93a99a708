import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments } from 'yaml';
import { formatBytes, SourceError, type SourceLimits } from './limits';
import { listManifestFiles } from './manifest-files';
import { substituteDocument, type SubstitutionValues } from './substitution';
import type { KubeObject } from '../model/kube-object';

/** One document of a bundle with where it came from. */
export interface Manifest {
  object: KubeObject;
  /** Repository-relative file name. */
  file: string;
  /** 1-based line where the document starts. */
  line: number;
}

/** Invalid manifests: every problem found, each with file and line. */
export class ManifestError extends SourceError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} invalid manifests: ${problems.join('; ')}`);
    this.name = 'ManifestError';
  }
}

const MAX_PROBLEMS = 50;

/**
 * Reads every Kubernetes document under a target's path: multi-document YAML and JSON,
 * empty documents skipped, aliases bounded, and every document required to have apiVersion,
 * kind and metadata.name. With `values`, `${name}` placeholders are substituted. All problems
 * are gathered before failing.
 */
export async function readManifests(
  checkoutRoot: string,
  sourcePath: string,
  limits: SourceLimits,
  values?: SubstitutionValues,
): Promise<Manifest[]> {
  const files = await listManifestFiles(checkoutRoot, sourcePath, limits);
  const collector = new ManifestCollector(`"${sourcePath || '.'}"`, limits);
  for (const file of files) {
    collector.add(parseDocuments(await readFile(file.fullPath, 'utf8'), file.name, limits, values));
  }
  return collector.result();
}

/**
 * Reads a renderer's output (`kustomize build`, `helm template`) under the same limits as
 * files from Git; `name` says which bundle path and renderer it came from, for errors.
 */
export function readRenderedManifests(text: string, name: string, limits: SourceLimits, values?: SubstitutionValues): Manifest[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxTotalBytes) {
    throw new SourceError(`${name}: output is ${formatBytes(bytes)}, over the limit of ${formatBytes(limits.maxTotalBytes)}`);
  }
  const collector = new ManifestCollector(name, limits);
  collector.add(parseDocuments(text, name, limits, values));
  return collector.result();
}

/** Gathers documents and problems across files, enforcing the document limit as it goes. */
class ManifestCollector {
  private readonly manifests: Manifest[] = [];
  private readonly problems: string[] = [];

  constructor(
    private readonly where: string,
    private readonly limits: SourceLimits,
  ) {}

  add(items: (Manifest | { problem: string })[]): void {
    for (const item of items) {
      if ('problem' in item) {
        this.problems.push(item.problem);
        if (this.problems.length >= MAX_PROBLEMS) throw new ManifestError(this.problems);
        continue;
      }
      this.manifests.push(item);
      if (this.manifests.length > this.limits.maxDocuments) {
        throw new SourceError(`more than ${this.limits.maxDocuments} documents under ${this.where}`);
      }
    }
  }

  result(): Manifest[] {
    if (this.problems.length > 0) throw new ManifestError(this.problems);
    return this.manifests;
  }
}

/** Parses one file's documents (pure: no I/O), each with its line or its problem. */
export function parseDocuments(
  text: string,
  file: string,
  limits: Pick<SourceLimits, 'maxYamlAliases'>,
  values?: SubstitutionValues,
): (Manifest | { problem: string })[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const results: (Manifest | { problem: string })[] = [];
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const start = document.contents?.range?.[0] ?? document.range[0];
    const where = `${file}:${lineOf(start)}`;
    const error = document.errors[0];
    if (error) {
      results.push({ problem: `${file}:${lineOf(error.pos[0])}: invalid YAML: ${firstLine(error.message)}` });
      continue;
    }
    if (document.contents === null) continue;
    if (values) {
      const unknown = substituteDocument(document, values, lineOf);
      if (unknown.length > 0) {
        for (const { name, line } of unknown) results.push({ problem: `${file}:${line}: unknown substitution key "${name}"` });
        continue;
      }
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: limits.maxYamlAliases });
    } catch (cause) {
      results.push({ problem: `${where}: ${firstLine(cause instanceof Error ? cause.message : String(cause))}` });
      continue;
    }
    if (value === null || value === undefined) continue;
    const problem = kubernetesProblem(value);
    if (problem) {
      results.push({ problem: `${where}: ${problem}` });
      continue;
    }
    for (const object of expandList(value as KubeObject)) {
      results.push({ object, file, line: lineOf(start) });
    }
  }
  return results;
}

function kubernetesProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'document is not a Kubernetes object (expected a mapping)';
  }
  const object = value as Record<string, unknown>;
  if (isList(object)) {
    if (!Array.isArray(object.items)) return 'List without items';
    for (const [index, item] of object.items.entries()) {
      const problem = isList(item as Record<string, unknown>) ? 'nested List' : kubernetesProblem(item);
      if (problem) return `items[${index}]: ${problem}`;
    }
    return undefined;
  }
  const metadata = object.metadata as Record<string, unknown> | undefined;
  const missing = [
    typeof object.apiVersion === 'string' && object.apiVersion !== '' ? undefined : 'apiVersion',
    typeof object.kind === 'string' && object.kind !== '' ? undefined : 'kind',
    typeof metadata === 'object' && metadata !== null && typeof metadata.name === 'string' && metadata.name !== ''
      ? undefined
      : 'metadata.name',
  ].filter((field) => field !== undefined);
  return missing.length > 0 ? `not a Kubernetes object: missing ${missing.join(', ')}` : undefined;
}

function isList(object: Record<string, unknown> | null): boolean {
  return typeof object === 'object' && object !== null && object.apiVersion === 'v1' && object.kind === 'List';
}

/** kubectl accepts `kind: List` documents; their items are the objects. */
function expandList(object: KubeObject): KubeObject[] {
  return isList(object) ? (object.items as KubeObject[]) : [object];
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
