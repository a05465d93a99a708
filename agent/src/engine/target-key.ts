import { createHash } from 'node:crypto';
import { canonicalJson } from '#core';
import type { Target } from '#proto';

/**
 * The idempotency key of a target: everything that decides what gets applied, and nothing
 * else. A target whose key equals that of its last successful apply is not applied again.
 *
 * The source counts by its content: a target the hub packed by its artifact digest (a fleet
 * commit that leaves the bundle's files as they were keeps the key), otherwise by repository
 * and commit. Then how it is rendered (path, values, namespace, Helm and Kustomize inputs),
 * whether it is suspended, whether it prunes, and the policy it must pass (when the hub sends one). Self-heal and dependsOn are left out: they
 * change what the agent does later, not what one apply writes.
 */
export function targetKey(target: Target): string {
  const values = Object.keys(target.values)
    .sort()
    .map((key) => [key, target.values[key]]);
  const source = target.artifact?.digest
    ? ['artifact', target.artifact.digest]
    : ['git', target.source?.repoUrl ?? '', target.source?.commit ?? ''];
  const render = target.render
    ? [
        target.render.kind,
        target.render.helmReleaseName,
        target.render.helmValuesYaml,
        target.render.kustomizePatches.map((p) => [p.patch, p.targetKind, p.targetName, p.targetNamespace, p.targetLabelSelector]),
      ]
    : [];
  const canonical = JSON.stringify([
    target.bundle,
    source,
    target.source?.path ?? '',
    target.defaultNamespace,
    values,
    render,
    target.suspend,
    target.syncPolicy?.prune ?? false,
    // Only when present, so that the keys of targets without a policy stay as they were.
    ...(target.policy ? [canonicalJson(target.policy)] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
