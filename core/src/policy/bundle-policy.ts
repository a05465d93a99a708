import { z } from 'zod';

/**
 * What a bundle may apply, set by the hub's operator per fleet repository (never by the
 * repository it governs) and narrowed, never widened, by the agent's own policy. Empty lists
 * restrict nothing. The same shape as the proto's BundlePolicy (docs/policy.md).
 */
export interface BundlePolicy {
  /** Kind patterns (`Kind`, `group/Kind`, `*` globs; `core/Kind` for the core group): only these. */
  allowedKinds: string[];
  /** Kind patterns refused even when allowedKinds lets them through. */
  deniedKinds: string[];
  /** Cluster-scoped objects (Namespaces, ClusterRoles, CRDs…) refused. */
  denyClusterScoped: boolean;
  /** Globs of the namespaces the bundle may write (and the Namespace objects it may create). */
  namespaces: string[];
  /** Bindings to cluster-admin/admin or to `system:` users and groups allowed. */
  allowPrivilegedBindings: boolean;
  /** Privileged bindings allowed by name: `ClusterRoleBinding/<name>`, `RoleBinding/<namespace>/<name>` (globs). */
  allowedBindings: string[];
}

/** Announced in Hello by agents that check Target.policy (docs/protocol.md). */
export const POLICY_CAPABILITY = 'policy/v1';

/** The rules a violation names. */
export type PolicyRule = 'allowedKinds' | 'deniedKinds' | 'denyClusterScoped' | 'namespaces' | 'privilegedBindings';

export interface PolicyViolation {
  rule: PolicyRule;
  /** Names the object and why, e.g. `ClusterRoleBinding/x binds ClusterRole cluster-admin`. */
  message: string;
}

/** One object as the policy sees it: its identity, whether it is namespaced, and its manifest. */
export interface PolicyObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** The namespace it is written to (the default filled in); '' for cluster-scoped objects. */
  namespace: string;
  namespaced: boolean;
  /** The manifest, read for RBAC bindings (roleRef, subjects). */
  object: Record<string, unknown>;
  /** Where it was read from (`file:line`), named in the message when known. */
  file?: string;
}

/** A policy that restricts nothing but the default rule: privileged RBAC bindings are refused. */
export const DEFAULT_BUNDLE_POLICY: Readonly<BundlePolicy> = Object.freeze({
  allowedKinds: Object.freeze([]) as unknown as string[],
  deniedKinds: Object.freeze([]) as unknown as string[],
  denyClusterScoped: false,
  namespaces: Object.freeze([]) as unknown as string[],
  allowPrivilegedBindings: false,
  allowedBindings: Object.freeze([]) as unknown as string[],
});

const PATTERN = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.*?:/_-]+$/, 'letters, digits and . * ? : / _ - only');
const PATTERNS = z.array(PATTERN).max(256);

/** The policy as an operator writes it (FLEET_REPOS[].policy, AGENT_POLICY): every field optional. */
export const bundlePolicySchema = z
  .object({
    allowedKinds: PATTERNS.optional(),
    deniedKinds: PATTERNS.optional(),
    clusterScoped: z.boolean().optional().describe('false refuses cluster-scoped objects (default true)'),
    namespaces: PATTERNS.optional(),
    allowPrivilegedBindings: z.boolean().optional(),
    allowedBindings: PATTERNS.optional(),
  })
  .strict();

export type BundlePolicyInput = z.infer<typeof bundlePolicySchema>;

/** Validates an operator's policy; the error names `where` and the field. */
export function parseBundlePolicy(value: unknown, where: string): BundlePolicy {
  const parsed = bundlePolicySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new Error(`${where}${path}: ${issue.message}`);
  }
  const p = parsed.data;
  return {
    allowedKinds: p.allowedKinds ?? [],
    deniedKinds: p.deniedKinds ?? [],
    denyClusterScoped: p.clusterScoped === false,
    namespaces: p.namespaces ?? [],
    allowPrivilegedBindings: p.allowPrivilegedBindings ?? false,
    allowedBindings: p.allowedBindings ?? [],
  };
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const PRIVILEGED_ROLES = new Set(['cluster-admin', 'admin']);

/**
 * The first rule of the policy the object breaks, or undefined. Rules in order: denied kinds,
 * allowed kinds, cluster scope, namespaces, privileged bindings.
 */
export function checkObject(policy: BundlePolicy, obj: PolicyObject): PolicyViolation | undefined {
  const group = groupOf(obj.apiVersion);
  const id = `${obj.kind}/${obj.namespaced && obj.namespace ? `${obj.namespace}/` : ''}${obj.name}${obj.file ? ` (${obj.file})` : ''}`;
  const kindName = `${group === '' ? 'core' : group}/${obj.kind}`;
  const denied = policy.deniedKinds.find((p) => kindMatches(p, group, obj.kind));
  if (denied !== undefined) return { rule: 'deniedKinds', message: `${id}: kind ${kindName} is denied (${denied})` };
  if (policy.allowedKinds.length > 0 && !policy.allowedKinds.some((p) => kindMatches(p, group, obj.kind))) {
    return { rule: 'allowedKinds', message: `${id}: kind ${kindName} is not among the allowed kinds` };
  }
  if (!obj.namespaced && policy.denyClusterScoped) {
    return { rule: 'denyClusterScoped', message: `${id}: cluster-scoped objects are not allowed` };
  }
  if (policy.namespaces.length > 0) {
    const isNamespace = group === '' && obj.kind === 'Namespace';
    const written = obj.namespaced ? obj.namespace : isNamespace ? obj.name : undefined;
    if (written !== undefined && !policy.namespaces.some((p) => globMatches(p, written))) {
      return { rule: 'namespaces', message: `${id}: namespace "${written}" is not among the allowed namespaces` };
    }
  }
  if (group === RBAC_GROUP && (obj.kind === 'ClusterRoleBinding' || obj.kind === 'RoleBinding')) {
    const why = privilegedBinding(obj.object);
    const bindingName = obj.kind === 'RoleBinding' ? `RoleBinding/${obj.namespace}/${obj.name}` : `ClusterRoleBinding/${obj.name}`;
    if (why !== undefined && !policy.allowPrivilegedBindings && !policy.allowedBindings.some((p) => globMatches(p, bindingName))) {
      return { rule: 'privilegedBindings', message: `${id}: ${why} (allowPrivilegedBindings or allowedBindings needed)` };
    }
  }
  return undefined;
}

/** The first violation of any of the policies: an object must pass them all (their intersection). */
export function checkObjectAll(policies: readonly BundlePolicy[], obj: PolicyObject): PolicyViolation | undefined {
  for (const policy of policies) {
    const violation = checkObject(policy, obj);
    if (violation !== undefined) return violation;
  }
  return undefined;
}

/** Why a binding is privileged: its roleRef is cluster-admin/admin, or a subject is a `system:` user or group. */
function privilegedBinding(object: Record<string, unknown>): string | undefined {
  const roleRef = object.roleRef as { kind?: unknown; name?: unknown } | undefined;
  if (roleRef && typeof roleRef.name === 'string' && roleRef.kind === 'ClusterRole' && PRIVILEGED_ROLES.has(roleRef.name)) {
    return `binds ClusterRole ${roleRef.name}`;
  }
  const subjects = Array.isArray(object.subjects) ? (object.subjects as unknown[]) : [];
  for (const subject of subjects) {
    const s = (subject ?? {}) as { kind?: unknown; name?: unknown };
    if ((s.kind === 'Group' || s.kind === 'User') && typeof s.name === 'string' && s.name.startsWith('system:')) {
      return `binds ${s.kind} ${s.name}`;
    }
  }
  return undefined;
}

/** "apps/v1" → "apps"; "v1" → "" (the core group). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `Kind` matches the kind in any group; `group/Kind` that group only (`core` is the core group). */
function kindMatches(pattern: string, group: string, kind: string): boolean {
  const slash = pattern.lastIndexOf('/');
  if (slash < 0) return globMatches(pattern, kind);
  const groupPattern = pattern.slice(0, slash);
  return globMatches(groupPattern === 'core' ? '' : groupPattern, group) && globMatches(pattern.slice(slash + 1), kind);
}

/** Compiled globs: a policy's few patterns are matched against every object of every sync. */
const compiled = new Map<string, RegExp>();

/** `*` any run of characters, `?` one; everything else literal. */
export function globMatches(pattern: string, value: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, 's');
    if (compiled.size >= 4096) compiled.delete(compiled.keys().next().value as string);
    compiled.set(pattern, regex);
  }
  return regex.test(value);
}
