import { parseAllDocuments, LineCounter } from 'yaml';
import { checkObject, type BundlePolicy, type PolicyObject } from '#core';

/** What the hub reads of a plain bundle to judge it: small files only, few documents. */
export const HUB_POLICY_LIMITS = {
  /** Larger files are left to the agent (which reads them under its own limits). */
  maxFileBytes: 128 * 1024,
  /** Of one bundle, judged in path order: the files past this many bytes are left to the agent. */
  maxTotalBytes: 1024 * 1024,
  /** Files whose `---` separators exceed this are left to the agent, before any parse. */
  maxDocuments: 500,
  maxAliases: 100,
};

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
const SEPARATOR = /^---/gm;

export interface PlainFile {
  /** Repository-relative path. */
  path: string;
  data: Buffer;
}

/** Whether the agent would read this file as manifests in a plain (raw) bundle. */
export function isManifestFile(path: string): boolean {
  return MANIFEST_FILE.test(path);
}

/**
 * The objects of a plain bundle the hub can tell the policy refuses, each as
 * `file:line: refused by rule … : Kind/name …`. The hub decides only what it knows without the
 * cluster: denied and allowed kinds and privileged RBAC bindings (a kind's scope, and so the
 * cluster-scope and namespace rules, are the agent's to judge). An object with a `${…}`
 * placeholder where the policy looks, a file too large or with too many documents, YAML that
 * does not parse: left to the agent, which refuses them as it must. Yields to the event loop
 * after each file, so that sessions and other repositories go on meanwhile.
 */
export async function refusedByPolicy(
  files: readonly PlainFile[],
  policy: BundlePolicy,
  defaultNamespace: string,
  whose: string,
): Promise<string[]> {
  const decidable: BundlePolicy = { ...policy, denyClusterScoped: false, namespaces: [] };
  const refused: string[] = [];
  for (const file of files) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!isManifestFile(file.path) || file.data.length > HUB_POLICY_LIMITS.maxFileBytes) continue;
    const text = file.data.toString('utf8');
    if ((text.match(SEPARATOR)?.length ?? 0) > HUB_POLICY_LIMITS.maxDocuments) continue;
    for (const { object, line } of objectsOf(text)) {
      const seen = policyObject(object, defaultNamespace, `${file.path}:${line}`);
      if (seen === undefined) continue;
      const violation = checkObject(decidable, seen);
      if (violation !== undefined) refused.push(`refused by rule ${violation.rule} of ${whose}: ${violation.message}`);
    }
  }
  return refused;
}

function objectsOf(text: string): { object: Record<string, unknown>; line: number }[] {
  const lineCounter = new LineCounter();
  const objects: { object: Record<string, unknown>; line: number }[] = [];
  for (const document of parseAllDocuments(text, { lineCounter, prettyErrors: false })) {
    if (document.errors.length > 0 || document.contents === null) continue;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: HUB_POLICY_LIMITS.maxAliases });
    } catch {
      continue;
    }
    const line = lineCounter.linePos(document.contents.range[0]).line;
    if (!isMap(value)) continue;
    const items = typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) if (isMap(item)) objects.push({ object: item, line });
  }
  return objects;
}

/** The object as the policy sees it, or undefined where the hub cannot be sure of what the agent will apply. */
function policyObject(object: Record<string, unknown>, defaultNamespace: string, file: string): PolicyObject | undefined {
  const metadata = isMap(object.metadata) ? object.metadata : {};
  const { apiVersion, kind } = object;
  const name = metadata.name;
  const namespace = metadata.namespace ?? defaultNamespace;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string' || typeof namespace !== 'string')
    return undefined;
  const looked = [apiVersion, kind, name, namespace, object.roleRef, object.subjects];
  if (JSON.stringify(looked).includes('${')) return undefined; // substituted per cluster by the agent
  // The kind's scope is the cluster's to say; a RoleBinding is namespaced, a namespace written is kept.
  const namespaced = kind === 'RoleBinding' || metadata.namespace !== undefined;
  return { apiVersion, kind, name, namespace: namespaced ? namespace : '', namespaced, object, file };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
