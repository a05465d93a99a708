/**
 * Hostile input: a bundle that grants itself cluster-admin. Whoever can push to a repository a
 * bundle points at must not own the clusters it targets: the default policy refuses RBAC
 * bindings to cluster-admin/admin and system: groups, the hub's operator can allow them per
 * fleet repository, and an agent's own policy can refuse them again on its cluster. The hub
 * refuses the commit where it can tell from the plain manifests (fleet repository status,
 * naming bundle, file and rule); the agent refuses what only it can see (here: a roleRef
 * substituted per cluster), applying nothing of the bundle and naming object, file and rule in
 * its status. Other bundles go on. Hub + agents + simulated clusters on real parts.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundlePolicy } from '#core';
import { eventually } from '../support/eventually';
import { ONE_WEB_BUNDLE, bundleFor } from '../support/bundles';
import {
  isNotFound,
  startFleet,
  readConfigMap,
  type ClusterBundleView,
  type ClusterView,
  type Fleet,
  type FleetRepoView,
} from '../support/fleet';
import { BareRepo } from '../support/git';

const OWNED = (name: string, role: string) =>
  `# grants the bundle's ServiceAccount everything\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${name}\n` +
  `roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: ${role}\n` +
  `subjects:\n  - kind: ServiceAccount\n    name: default\n    namespace: default\n`;
const CONFIG = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n`;

/** A fleet repository holding one bundle `name` with a ConfigMap and a ClusterRoleBinding to `role`. */
async function escalatingRepo(name: string, role = 'cluster-admin'): Promise<BareRepo> {
  const repo = await BareRepo.create();
  await repo.commit(
    {
      [`fleet/${name}.yaml`]: bundleFor(name, 'default'),
      [`apps/${name}/config.yaml`]: CONFIG(`${name}-config`),
      [`apps/${name}/rbac/owned.yaml`]: OWNED(`${name}-owned`, role),
    },
    'a bundle that grants itself cluster-admin',
  );
  return repo;
}

describe('hostile bundles: a ClusterRoleBinding to cluster-admin', () => {
  let fleet: Fleet;
  let plain: BareRepo;
  let teams: BareRepo;
  let platform: BareRepo;

  beforeAll(async () => {
    plain = await escalatingRepo('plain');
    // The role comes from the cluster's labels: only the agent sees it.
    teams = await escalatingRepo('teams', '${cluster.labels.role}');
    platform = await escalatingRepo('platform');
    fleet = await startFleet({
      files: ONE_WEB_BUNDLE,
      clusters: [
        { name: 'open', labels: { role: 'cluster-admin' } },
        { name: 'narrow', labels: { role: 'cluster-admin' }, noAgent: true },
      ],
      hub: {
        fleetRepos: [
          // No policy: the default refuses the binding, at the hub where it is plainly written.
          { name: 'plain', url: plain.url, branch: 'main', path: 'fleet' },
          { name: 'teams', url: teams.url, branch: 'main', path: 'fleet' },
          // The operator allows privileged bindings for this repository.
          {
            name: 'platform',
            url: platform.url,
            branch: 'main',
            path: 'fleet',
            policy: parseBundlePolicy({ allowPrivilegedBindings: true }, 'test'),
          },
        ],
      },
    });
    // This cluster's agent refuses every RBAC object, whatever the hub allows.
    await fleet.startAgent('narrow', { policy: parseBundlePolicy({ deniedKinds: ['rbac.authorization.k8s.io/*'] }, 'AGENT_POLICY') });
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
    await plain?.remove();
    await teams?.remove();
    await platform?.remove();
  });

  const bundleOn = async (
    cluster: string,
    bundle: string,
  ): Promise<ClusterBundleView & { message: string; resources: { kind: string; name: string; action: string; error: string }[] }> => {
    const { body } = await fleet.api.get<ClusterView>(`/api/v1/clusters/${cluster}`);
    return (body.bundles.find((b) => b.bundle === bundle) ?? { phase: 'none' }) as never;
  };
  /** The bundle's status on the cluster once it reached `phase`. */
  const once = (cluster: string, bundle: string, phase: string) =>
    eventually(async () => {
      const status = await bundleOn(cluster, bundle);
      expect(status.phase).toBe(phase);
      return status;
    });
  const bindingExists = async (cluster: string, name: string): Promise<boolean> => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(fleet.cluster(cluster).sim.kubeconfig);
    try {
      await kc.makeApiClient(k8s.RbacAuthorizationV1Api).readClusterRoleBinding({ name });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };

  it('the hub refuses a commit whose plain manifests bind cluster-admin, naming bundle, file and rule', async () => {
    const repo = await eventually(async () => {
      const { body } = await fleet.api.get<{ repos: FleetRepoView[] }>('/api/v1/fleet');
      const found = body.repos.find((r) => r.name === 'plain');
      expect(found?.state).toBe('rejected');
      return found!;
    });
    expect(repo.commit).toBeNull();
    expect(repo.rejected!.errors).toEqual([
      {
        file: 'fleet/plain.yaml',
        line: expect.any(Number),
        field: 'spec.source.path',
        message:
          'bundle "plain": refused by rule privilegedBindings of the default policy: ClusterRoleBinding/plain-owned (apps/plain/rbac/owned.yaml:2): ' +
          'binds ClusterRole cluster-admin (allowPrivilegedBindings or allowedBindings needed)',
      },
    ]);
    // Once the cluster has registered and been placed, 'plain' is not among its bundles.
    const body = await eventually(async () => {
      const { status, body } = await fleet.api.get<ClusterView>('/api/v1/clusters/open');
      expect(status).toBe(200);
      expect(body.targetSet).not.toBeNull();
      return body;
    });
    expect(body.bundles.map((b) => b.bundle)).not.toContain('plain');
    expect(await bindingExists('open', 'plain-owned')).toBe(false);
  });

  it('the agent refuses the binding it alone can see by the default rule: nothing of the bundle applied, the rule named in the API', async () => {
    const status = await once('open', 'teams', 'failed');
    expect(status.message).toContain('validation failed, nothing applied');
    expect(status.message).toContain('refused by rule privilegedBindings of the default policy');
    const refused = status.resources.find((r) => r.action === 'failed');
    expect(refused).toMatchObject({ kind: 'ClusterRoleBinding', name: 'teams-owned' });
    expect(refused!.error).toBe(
      'refused by rule privilegedBindings of the default policy: ClusterRoleBinding/teams-owned (apps/teams/rbac/owned.yaml:2): ' +
        'binds ClusterRole cluster-admin (allowPrivilegedBindings or allowedBindings needed)',
    );
    expect(await bindingExists('open', 'teams-owned')).toBe(false);
    expect(await readConfigMap(fleet.cluster('open'), 'default', 'teams-config')).toBeUndefined();
  });

  it("applies it where the hub's operator allowed it for the repository", async () => {
    await once('open', 'platform', 'synced');
    expect(await bindingExists('open', 'platform-owned')).toBe(true);
    expect(await readConfigMap(fleet.cluster('open'), 'default', 'platform-config')).toBeDefined();
  });

  it("an agent's own policy narrows the hub's: refused on that cluster though the hub allows it", async () => {
    const status = await once('narrow', 'platform', 'failed');
    expect(status.message).toContain("refused by rule deniedKinds of the agent's policy (AGENT_POLICY): ClusterRoleBinding/platform-owned");
    expect(await bindingExists('narrow', 'platform-owned')).toBe(false);
    expect(await readConfigMap(fleet.cluster('narrow'), 'default', 'platform-config')).toBeUndefined();
  });

  it('other bundles of the same clusters are synced as usual', async () => {
    for (const cluster of ['open', 'narrow']) {
      await once(cluster, 'web', 'synced');
      expect(await readConfigMap(fleet.cluster(cluster), 'default', 'web-config')).toBeDefined();
    }
  });
});
