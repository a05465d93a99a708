/**
 * The bundle policy against a real kube-apiserver: a bundle binding its ServiceAccount to
 * cluster-admin is refused before the agent sends the server a single request for its objects
 * (not even a dry-run: the audit log says so), and applied as written — the binding in force on
 * the real server — once the hub's policy names it. Skipped without GITFLEET_KUBE_ASSETS.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_POLICY } from '#core';
import { realClusterSkipReason, sharedRealCluster, type RealCluster } from '../../../test/support/real-cluster';
import { EngineHarness } from '../testing/engine-harness';

const skip = realClusterSkipReason();
if (skip) console.warn(skip);

describe.skipIf(skip !== undefined)('the bundle policy against a real kube-apiserver', () => {
  const id = randomBytes(3).toString('hex');
  const bundle = `escalate-${id}`;
  const namespace = `gf-${id}-escalate`;
  const binding = `gf-${id}-owned`;
  let cluster: RealCluster;
  let agentUser: string;
  let h: EngineHarness;
  let commit: string;

  beforeAll(async () => {
    cluster = await sharedRealCluster();
    const agent = await cluster.identity(`policy-${id}`);
    agentUser = agent.user;
    h = await EngineHarness.start({ cluster: { kubeconfig: agent.kubeconfig, agentNamespace: `gf-${id}-agent` } });
    commit = await h.repo.commit({
      [`apps/${bundle}/namespace.yaml`]: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
      [`apps/${bundle}/account.yaml`]: `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n`,
      [`apps/${bundle}/binding.yaml`]:
        `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${binding}\n` +
        `roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\n` +
        `subjects:\n  - kind: ServiceAccount\n    name: runner\n    namespace: ${namespace}\n`,
    });
  }, 180_000);

  afterAll(async () => {
    await h?.editor
      .delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: binding } })
      .catch(() => undefined);
    await h?.editor.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => undefined);
    await h?.stop();
  });

  it("refuses the binding by default without one request for the bundle's objects, dry-runs included", async () => {
    const since = new Date();
    await h.push(h.target(commit, bundle, { defaultNamespace: namespace }));
    const result = h.finals(bundle).at(-1)!;
    expect(result.phase).toBe('failed');
    expect(result.message).toContain(
      `refused by rule privilegedBindings of the default policy: ClusterRoleBinding/${binding} (apps/${bundle}/binding.yaml:1)`,
    );
    await new Promise((r) => setTimeout(r, 1_000)); // the audit log is written asynchronously
    const touched = (await cluster.auditEvents(since)).filter(
      (e) => e.user.username === agentUser && [binding, namespace, 'runner'].includes(e.objectRef?.name ?? ''),
    );
    expect(touched).toEqual([]);
    expect(await h.live('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', binding)).toBeUndefined();
  });

  it("applies it as written once the hub's policy names the binding", async () => {
    await h.push(
      h.target(commit, bundle, {
        defaultNamespace: namespace,
        policy: { ...DEFAULT_BUNDLE_POLICY, allowedBindings: [`ClusterRoleBinding/${binding}`] },
      }),
    );
    expect(h.finals(bundle).at(-1)!.phase).toBe('synced');
    const live = await h.live('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', binding);
    expect(live).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace }],
    });
  });
});
