/**
 * What a kustomization refers to, read from its parsed content: the other kustomizations and
 * resource files (`resources`, `bases`, `components`) and the files it loads (patches,
 * generators, configurations). The agent checks each one stays in the checkout before a
 * renderer runs; the hub packs each one into the bundle's artifact.
 */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Fields whose entries are other kustomizations or resource files. */
export const KUSTOMIZATION_REFERENCE_FIELDS = ['resources', 'bases', 'components'] as const;

/** Fields whose entries may themselves be kustomization directories. */
export const KUSTOMIZATION_PLUGIN_FIELDS: ReadonlySet<string> = new Set(['transformers', 'generators', 'validators']);

/** A kustomization field that is not what kustomize reads there. */
export class KustomizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KustomizationError';
  }
}

/** The entries of a reference field, each a string. */
export function kustomizationEntries(value: unknown, file: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KustomizationError(`${file}: ${field} must be a list`);
  return value.map((entry, index) => {
    if (typeof entry !== 'string') throw new KustomizationError(`${file}: ${field}[${index}] must be a string`);
    return entry;
  });
}

/** http(s), ssh, git@ and kustomize's `host/org/repo//path?ref=` forms. */
export function looksRemote(entry: string): boolean {
  return (
    /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(entry) ||
    /^git@|^git::/.test(entry) ||
    /[?&](ref|version|submodules|timeout)=/.test(entry) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry) ||
    /\.git(\/\/|$)/.test(entry)
  );
}

/** Files a kustomization loads (patches, generators, configurations), each with the field naming it. */
export function kustomizationFileReferences(kustomization: Record<string, unknown>): [field: string, path: string][] {
  const references: [string, string][] = [];
  const add = (field: string, value: unknown): void => {
    // Inline patches are YAML text, not paths.
    if (typeof value === 'string' && value !== '' && !value.includes('\n')) references.push([field, value]);
  };
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  for (const patch of list(kustomization.patches)) add('patches', (patch as { path?: unknown } | null)?.path);
  for (const patch of list(kustomization.patchesJson6902)) add('patchesJson6902', (patch as { path?: unknown } | null)?.path);
  for (const patch of list(kustomization.patchesStrategicMerge)) add('patchesStrategicMerge', patch);
  for (const replacement of list(kustomization.replacements)) add('replacements', (replacement as { path?: unknown } | null)?.path);
  for (const field of ['crds', 'configurations', 'transformers', 'generators', 'validators']) {
    for (const entry of list(kustomization[field])) add(field, entry);
  }
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    for (const generator of list(kustomization[field])) {
      const g = (generator ?? {}) as { files?: unknown; envs?: unknown; env?: unknown };
      for (const entry of list(g.files)) add(field, typeof entry === 'string' ? entry.slice(entry.indexOf('=') + 1) : entry);
      for (const entry of list(g.envs)) add(field, entry);
      add(field, g.env);
    }
  }
  add('openapi', (kustomization.openapi as { path?: unknown } | null | undefined)?.path);
  return references;
}
