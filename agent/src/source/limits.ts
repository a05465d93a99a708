/** Bounds on what a repository may make the agent read; all repository content is hostile. */
export interface SourceLimits {
  /** Largest single manifest file. */
  maxFileBytes: number;
  /** Sum of all manifest files of one target. */
  maxTotalBytes: number;
  /** YAML documents in one target, empty ones too, counted as files are split, before parsing. */
  maxDocuments: number;
  /** Largest single YAML document, measured as files are split, before parsing. */
  maxDocumentBytes: number;
  /** Objects and lists nested in one document. */
  maxNestingDepth: number;
  /** YAML aliases resolved per document (billion-laughs guard). */
  maxYamlAliases: number;
  /** Directory depth below the target's path. */
  maxDepth: number;
  /**
   * Reading and parsing one target's manifests runs in a worker thread (manifest-isolation.ts)
   * and is refused past this wall-clock budget, so that no bundle blocks the agent's event loop.
   */
  maxParseMs: number;
  /** Heap of that worker thread; a bundle that needs more is refused. */
  maxParseHeapMb: number;
  /** Whole checkout of one commit, checked before anything is written to disk. */
  maxCheckoutBytes: number;
  /** Files in one checkout, checked before anything is written to disk. */
  maxCheckoutFiles: number;
}

export function defaultSourceLimits(): SourceLimits {
  return {
    maxFileBytes: 4 * 1024 * 1024,
    maxTotalBytes: 64 * 1024 * 1024,
    maxDocuments: 10_000,
    maxDocumentBytes: 4 * 1024 * 1024,
    maxNestingDepth: 100,
    maxYamlAliases: 100,
    maxDepth: 32,
    maxParseMs: 30_000,
    maxParseHeapMb: 96,
    maxCheckoutBytes: 512 * 1024 * 1024,
    maxCheckoutFiles: 100_000,
  };
}

/** Something in the source (repository, path, manifests) that retrying cannot fix. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} B`;
}
