import { readFile } from 'node:fs/promises';
import { LineCounter, parseAllDocuments, type Document, type EmptyStream } from 'yaml';
import { formatBytes, SourceError, type SourceLimits } from './limits';
import { listManifestFiles } from './manifest-files';
import { splitDocuments, type DocumentCount, type DocumentText } from './yaml-documents';
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
    super(problems.length === 1 ? problems[0] : `${problems.length} invalid manifests: ${problems.join('; ')}`);
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
    collector.add(parseDocuments(await readFile(file.fullPath, 'utf8'), file.name, limits, values, collector.count, collector.where));
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
  collector.add(parseDocuments(text, name, limits, values, collector.count, collector.where));
  return collector.result();
}

/** Gathers documents and problems across files, enforcing the document limit as it goes. */
class ManifestCollector {
  private readonly manifests: Manifest[] = [];
  private readonly problems: string[] = [];
  /** Every document cut from the target's files so far, empty ones too (the limit counts them before parsing). */
  readonly count: DocumentCount = { documents: 0 };

  constructor(
    readonly where: string,
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
      // A List's items are documents too.
      if (this.manifests.length > this.limits.maxDocuments) {
        throw new SourceError(`${item.file}:${item.line}: more than ${this.limits.maxDocuments} documents under ${this.where}`);
      }
    }
  }

  result(): Manifest[] {
    if (this.problems.length > 0) throw new ManifestError(this.problems);
    return this.manifests;
  }
}

type ParseLimits = Pick<SourceLimits, 'maxYamlAliases' | 'maxDocuments' | 'maxDocumentBytes' | 'maxNestingDepth'>;

/**
 * Parses one file's documents (pure: no I/O), each with its line or its problem. The text is
 * first cut into documents, counted into `count` and sized (splitDocuments), so that limits
 * hold before the parser runs; `where` names the target's path in those refusals.
 */
export function parseDocuments(
  text: string,
  file: string,
  limits: ParseLimits,
  values?: SubstitutionValues,
  count: DocumentCount = { documents: 0 },
  where = `"${file}"`,
): (Manifest | { problem: string })[] {
  const results: (Manifest | { problem: string })[] = [];
  for (const piece of splitDocuments(text, file, where, limits, count)) {
    results.push(...parsePiece(piece, file, limits, values));
  }
  return results;
}

/** The documents of one piece cut by splitDocuments (one, or none when it is empty). */
function parsePiece(
  piece: DocumentText,
  file: string,
  limits: ParseLimits,
  values?: SubstitutionValues,
): (Manifest | { problem: string })[] {
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[] | EmptyStream;
  try {
    documents = parseAllDocuments(piece.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  } catch (cause) {
    return [{ problem: `${file}:${piece.line}: invalid YAML: ${parserMessage(cause, limits)}` }];
  }
  const results: (Manifest | { problem: string })[] = [];
  const lineOf = (offset: number): number => piece.line - 1 + lineCounter.linePos(offset).line;
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const start = document.contents?.range?.[0] ?? document.range[0];
    const where = `${file}:${lineOf(start)}`;
    const error = document.errors[0];
    if (error) {
      results.push({ problem: `${file}:${lineOf(error.pos[0])}: invalid YAML: ${parserMessage(error, limits)}` });
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
    const problem = nestingProblem(value, limits.maxNestingDepth) ?? kubernetesProblem(value);
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

/** Objects and lists nested deeper than `max` levels (no manifest needs it; everything after would recurse that deep). */
function nestingProblem(value: unknown, max: number): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: next, depth } = stack.pop()!;
    if (typeof next !== 'object' || next === null) continue;
    if (depth > max) return `nested deeper than the limit of ${max} levels`;
    for (const child of Object.values(next))
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
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

/** The parser recurses into nested collections: a document nested thousands deep overflows its stack. */
function parserMessage(cause: unknown, limits: ParseLimits): string {
  const message = firstLine(cause instanceof Error ? cause.message : String(cause));
  return /call stack size/i.test(message) ? `nested deeper than the limit of ${limits.maxNestingDepth} levels` : message;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}
