import { describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_POLICY } from '#core';
import { HUB_POLICY_LIMITS, refusedByPolicy } from './manifest-policy';

const file = (path: string, text: string) => ({ path, data: Buffer.from(text) });
const BINDING = (name: string, role = 'cluster-admin') =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${name}\n` +
  `roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role} }\nsubjects: [{ kind: ServiceAccount, name: a, namespace: b }]\n`;
const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n';

describe('refusedByPolicy (the hub judging a plain bundle)', async () => {
  it('names file, line, object and rule of a privileged binding the default refuses', async () => {
    const files = [file('apps/a/ok.yaml', CONFIGMAP), file('apps/a/rbac.yaml', `${CONFIGMAP}---\n# escalation\n${BINDING('owned')}`)];
    expect(await refusedByPolicy(files, DEFAULT_BUNDLE_POLICY, 'a', 'the default policy')).toEqual([
      'refused by rule privilegedBindings of the default policy: ClusterRoleBinding/owned (apps/a/rbac.yaml:7): ' +
        'binds ClusterRole cluster-admin (allowPrivilegedBindings or allowedBindings needed)',
    ]);
    expect(await refusedByPolicy(files, { ...DEFAULT_BUNDLE_POLICY, allowedBindings: ['ClusterRoleBinding/owned'] }, 'a', 'p')).toEqual([]);
  });

  it('judges kinds, in Lists and JSON too, with the namespace filled in for RoleBindings', async () => {
    const policy = { ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['core/Secret'], allowedBindings: ['RoleBinding/team/*'] };
    const list = 'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Secret, metadata: { name: s } }\n';
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'j', namespace: 'x' } });
    const roleBinding =
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: rb }\nroleRef: { kind: ClusterRole, name: admin }\n';
    const refused = await refusedByPolicy(
      [file('a/list.yml', list), file('a/s.json', json), file('a/rb.yaml', roleBinding)],
      policy,
      'team',
      'P',
    );
    expect(refused).toEqual([
      'refused by rule deniedKinds of P: Secret/s (a/list.yml:1): kind core/Secret is denied (core/Secret)',
      'refused by rule deniedKinds of P: Secret/x/j (a/s.json:1): kind core/Secret is denied (core/Secret)',
    ]);
  });

  it('leaves to the agent what only the cluster or the agent can decide', async () => {
    const policy = { ...DEFAULT_BUNDLE_POLICY, denyClusterScoped: true, namespaces: ['only-this'] };
    const files = [
      file('a/placeholder.yaml', BINDING('templated', '${cluster.labels.role}')),
      file('a/scope.yaml', 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: r }\n'),
      file('a/elsewhere.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c, namespace: other }\n'),
      file('a/broken.yaml', `kind: [unclosed\n---\n${BINDING('after-broken')}`),
      file('a/README.md', BINDING('not-a-manifest')),
      file('a/many.yaml', `${'---\n'.repeat(HUB_POLICY_LIMITS.maxDocuments + 1)}${BINDING('in-a-long-file')}`),
    ];
    expect(await refusedByPolicy(files, policy, 'a', 'P')).toEqual([
      // A document after a broken one is still judged; the broken one is the agent's to report.
      expect.stringContaining('ClusterRoleBinding/after-broken (a/broken.yaml:3)'),
    ]);
  });
});
