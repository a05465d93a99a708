import { describe, expect, it } from 'vitest';
import { checkObject, checkObjectAll, DEFAULT_BUNDLE_POLICY, parseBundlePolicy, type PolicyObject } from './bundle-policy';

function obj(apiVersion: string, kind: string, name: string, namespace = '', extra: Record<string, unknown> = {}): PolicyObject {
  return { apiVersion, kind, name, namespace, namespaced: namespace !== '', object: { apiVersion, kind, metadata: { name }, ...extra } };
}

const adminBinding = obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'owned', '', {
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'x', namespace: 'apps' }],
});

describe('checkObject', () => {
  it('the default refuses bindings to cluster-admin and admin, naming the rule', () => {
    expect(checkObject(DEFAULT_BUNDLE_POLICY, adminBinding)).toEqual({
      rule: 'privilegedBindings',
      message: 'ClusterRoleBinding/owned: binds ClusterRole cluster-admin (allowPrivilegedBindings or allowedBindings needed)',
    });
    expect(checkObject(DEFAULT_BUNDLE_POLICY, { ...adminBinding, file: 'rbac/owned.yaml:3' })?.message).toMatch(
      /^ClusterRoleBinding\/owned \(rbac\/owned\.yaml:3\): binds/,
    );
    const admin = obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'b', 'apps', { roleRef: { kind: 'ClusterRole', name: 'admin' } });
    expect(checkObject(DEFAULT_BUNDLE_POLICY, admin)?.rule).toBe('privilegedBindings');
  });

  it('the default refuses bindings whose subjects are system: groups or users, not ordinary ones', () => {
    for (const subject of [
      { kind: 'Group', name: 'system:masters' },
      { kind: 'Group', name: 'system:authenticated' },
      { kind: 'User', name: 'system:anonymous' },
    ]) {
      const binding = obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'b', 'apps', {
        roleRef: { kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'a' }, subject],
      });
      expect(checkObject(DEFAULT_BUNDLE_POLICY, binding)?.message).toContain(`binds ${subject.kind} ${subject.name}`);
    }
    const plain = obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'b', '', {
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'Group', name: 'developers' },
        { kind: 'ServiceAccount', name: 'system:x' },
      ],
    });
    expect(checkObject(DEFAULT_BUNDLE_POLICY, plain)).toBeUndefined();
    // A Role the bundle names "admin" is its own, not the built-in ClusterRole.
    const ownRole = obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'b', 'apps', { roleRef: { kind: 'Role', name: 'admin' } });
    expect(checkObject(DEFAULT_BUNDLE_POLICY, ownRole)).toBeUndefined();
  });

  it('privileged bindings pass when allowed outright or by name', () => {
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, allowPrivilegedBindings: true }, adminBinding)).toBeUndefined();
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, allowedBindings: ['ClusterRoleBinding/own*'] }, adminBinding)).toBeUndefined();
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, allowedBindings: ['RoleBinding/*/owned'] }, adminBinding)?.rule).toBe(
      'privilegedBindings',
    );
  });

  it('denied kinds by kind, by group/kind and by glob; core/ names the core group', () => {
    const secret = obj('v1', 'Secret', 's', 'apps');
    const deployment = obj('apps/v1', 'Deployment', 'd', 'apps');
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['Secret'] }, secret)).toEqual({
      rule: 'deniedKinds',
      message: 'Secret/apps/s: kind core/Secret is denied (Secret)',
    });
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['core/Secret'] }, secret)?.rule).toBe('deniedKinds');
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['apps/Secret'] }, secret)).toBeUndefined();
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['apps/*'] }, deployment)?.rule).toBe('deniedKinds');
    expect(checkObject({ ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['apps/*'] }, secret)).toBeUndefined();
  });

  it('allowed kinds: only those; denied wins over allowed', () => {
    const policy = { ...DEFAULT_BUNDLE_POLICY, allowedKinds: ['apps/Deployment', 'core/ConfigMap', 'core/Service'] };
    expect(checkObject(policy, obj('apps/v1', 'Deployment', 'd', 'apps'))).toBeUndefined();
    expect(checkObject(policy, obj('v1', 'Secret', 's', 'apps'))).toEqual({
      rule: 'allowedKinds',
      message: 'Secret/apps/s: kind core/Secret is not among the allowed kinds',
    });
    expect(checkObject({ ...policy, deniedKinds: ['Deployment'] }, obj('apps/v1', 'Deployment', 'd', 'apps'))?.rule).toBe('deniedKinds');
  });

  it('cluster-scoped objects refused when denied, namespaced ones not', () => {
    const policy = { ...DEFAULT_BUNDLE_POLICY, denyClusterScoped: true };
    expect(checkObject(policy, obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r'))?.rule).toBe('denyClusterScoped');
    expect(checkObject(policy, obj('v1', 'Namespace', 'apps'))?.rule).toBe('denyClusterScoped');
    expect(checkObject(policy, obj('v1', 'ConfigMap', 'c', 'apps'))).toBeUndefined();
  });

  it('namespaces: objects written elsewhere and Namespaces named otherwise refused', () => {
    const policy = { ...DEFAULT_BUNDLE_POLICY, namespaces: ['team-a', 'team-a-*'] };
    expect(checkObject(policy, obj('v1', 'ConfigMap', 'c', 'team-a'))).toBeUndefined();
    expect(checkObject(policy, obj('v1', 'ConfigMap', 'c', 'team-a-dev'))).toBeUndefined();
    expect(checkObject(policy, obj('v1', 'ConfigMap', 'c', 'kube-system'))).toEqual({
      rule: 'namespaces',
      message: 'ConfigMap/kube-system/c: namespace "kube-system" is not among the allowed namespaces',
    });
    expect(checkObject(policy, obj('v1', 'Namespace', 'team-a-x'))).toBeUndefined();
    expect(checkObject(policy, obj('v1', 'Namespace', 'team-b'))?.rule).toBe('namespaces');
    // Glob characters are the only ones special: "." is literal.
    expect(checkObject({ ...policy, namespaces: ['a.b'] }, obj('v1', 'ConfigMap', 'c', 'axb'))?.rule).toBe('namespaces');
  });

  it('checkObjectAll: an object must pass every policy, so a second one only narrows', () => {
    const hub = { ...DEFAULT_BUNDLE_POLICY, allowPrivilegedBindings: true };
    expect(checkObjectAll([hub], adminBinding)).toBeUndefined();
    expect(checkObjectAll([hub, DEFAULT_BUNDLE_POLICY], adminBinding)?.rule).toBe('privilegedBindings');
    // The agent cannot widen what the hub (here: the default) refuses.
    expect(checkObjectAll([DEFAULT_BUNDLE_POLICY, hub], adminBinding)?.rule).toBe('privilegedBindings');
  });
});

describe('parseBundlePolicy', () => {
  it('fills the defaults and maps clusterScoped: false', () => {
    expect(parseBundlePolicy({}, 'P')).toEqual(DEFAULT_BUNDLE_POLICY);
    expect(parseBundlePolicy({ clusterScoped: false, namespaces: ['a'] }, 'P')).toMatchObject({
      denyClusterScoped: true,
      namespaces: ['a'],
    });
  });

  it('names where and the field of a bad value', () => {
    expect(() => parseBundlePolicy({ allowedKinds: 'Secret' }, 'FLEET_REPOS[0].policy')).toThrow(
      /^FLEET_REPOS\[0\]\.policy\.allowedKinds: /,
    );
    expect(() => parseBundlePolicy({ namespaces: ['ok', 'a b'] }, 'AGENT_POLICY')).toThrow(/^AGENT_POLICY\.namespaces\[1\]: /);
    expect(() => parseBundlePolicy({ allowAll: true }, 'AGENT_POLICY')).toThrow(/^AGENT_POLICY: .*allowAll/);
    expect(() => parseBundlePolicy([], 'AGENT_POLICY')).toThrow(/^AGENT_POLICY: /);
  });
});
