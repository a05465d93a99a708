/**
 * Sources from the hub, on real parts: the fleet repository is private (smart HTTP behind
 * basic auth, credentials given to the hub only), agents fetch each bundle's packed source
 * from the hub and never touch Git; a fleet commit that changes one bundle syncs that bundle
 * alone, while the hub records every bundle at the new commit.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFor } from '../support/bundles';
import { eventually } from '../support/eventually';
import { serveRepoOverHttp, type ServedRepo } from '../support/git-http';
import { readConfigMap, startFleet, type ClusterView, type Fleet } from '../support/fleet';

const USER = 'fleet-bot';
const PASSWORD = 'tok-private-repo-s3cr3t';
const BUNDLES = ['alpha', 'beta', 'gamma', 'delta'];

const configMap = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

describe('sources from the hub: agents need no Git access and move only when their content moves', { timeout: 120_000 }, () => {
  let fleet: Fleet;
  let served: ServedRepo;

  const FILES = Object.fromEntries(
    BUNDLES.flatMap((b) => [
      [`fleet/${b}.yaml`, bundleFor(b, 'default')],
      [`apps/${b}/cm.yaml`, configMap(b, 'one')],
    ]),
  );

  const views = async (cluster: string) => (await fleet.api.get<ClusterView>(`/api/v1/clusters/${cluster}`)).body.bundles;
  const allAt = (commit: string) =>
    eventually(
      async () => {
        for (const cluster of ['east', 'west']) {
          const bundles = await views(cluster);
          expect(bundles.map((b) => [b.bundle, b.commit, b.phase])).toEqual(BUNDLES.map((b) => [b, commit, 'synced']).sort());
        }
      },
      { timeoutMs: 30_000 },
    );

  beforeAll(async () => {
    fleet = await startFleet({
      files: FILES,
      clusters: [{ name: 'east' }, { name: 'west' }],
      fleetRepoUrl: async (repo) => {
        served = await serveRepoOverHttp(repo, { user: USER, password: PASSWORD });
        return served.url.replace('http://', `http://${USER}:${PASSWORD}@`);
      },
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    await served?.stop();
  });

  it('deploys a private repository: the hub alone reads Git, with its credentials; agents have no Git cache at all', async () => {
    await allAt(fleet.firstCommit);
    for (const cluster of ['east', 'west']) {
      expect((await readConfigMap(fleet.cluster(cluster), 'default', 'alpha'))?.data).toEqual({ value: 'one' });
    }
    // Every request the Git server saw carried the hub's credentials: no agent tried to clone.
    expect(served.seen.length).toBeGreaterThan(0);
    expect(served.seen.filter((r) => !r.authorized)).toEqual([]);
    const agentCaches = (await readdir(fleet.workDir)).filter((d) => d.startsWith('agent-'));
    expect(agentCaches.sort()).toEqual(['agent-east', 'agent-west']);
    for (const cache of agentCaches) {
      expect(existsSync(`${fleet.workDir}/${cache}/repos`)).toBe(false);
      expect((await readdir(`${fleet.workDir}/${cache}/artifacts`)).length).toBe(BUNDLES.length);
    }
  });

  it('syncs only the bundle whose files a commit changed; the others stand at the new commit without a sync', async () => {
    await allAt(fleet.firstCommit);
    const before = new Date();
    const commit = await fleet.repo.commit({ 'apps/beta/cm.yaml': configMap('beta', 'two'), 'README.md': 'unrelated\n' });
    await allAt(commit);
    for (const cluster of ['east', 'west']) {
      expect((await readConfigMap(fleet.cluster(cluster), 'default', 'beta'))?.data).toEqual({ value: 'two' });
    }
    // A sync always begins with a PROGRESSING report; only beta's came.
    const rows = await fleet.db.query<{ bundle: string; phase: string }>(
      `SELECT DISTINCT bundle, phase FROM status_report WHERE received_at >= $1 ORDER BY bundle, phase`,
      [before],
    );
    expect(rows.filter((r) => r.phase === 'progressing').map((r) => r.bundle)).toEqual(['beta']);
    expect(new Set(rows.filter((r) => r.phase === 'synced').map((r) => r.bundle))).toEqual(new Set(BUNDLES));
  });
});
