/**
 * Sources from the hub, on real parts: the fleet repository is private (smart HTTP behind
 * basic auth, credentials given to the hub only), agents fetch each bundle's packed source
 * from the hub and never touch Git; a fleet commit that changes one bundle moves, syncs and
 * reports that bundle alone: the others keep the commit they had.
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
  /** Every bundle synced on both clusters at `commit`, or at the commit `at` names for it. */
  const allAt = (commit: string, at: Record<string, string> = {}) =>
    eventually(
      async () => {
        for (const cluster of ['east', 'west']) {
          const bundles = await views(cluster);
          expect(bundles.map((b) => [b.bundle, b.desiredCommit, b.commit, b.phase])).toEqual(
            BUNDLES.map((b) => [b, at[b] ?? commit, at[b] ?? commit, 'synced']).sort(),
          );
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

  it('moves, syncs and reports only the bundle whose files a commit changed; the others keep the commit they had', async () => {
    await allAt(fleet.firstCommit);
    const before = new Date();
    const commit = await fleet.repo.commit({ 'apps/beta/cm.yaml': configMap('beta', 'two'), 'README.md': 'unrelated\n' });
    const kept = Object.fromEntries(BUNDLES.filter((b) => b !== 'beta').map((b) => [b, fleet.firstCommit]));
    await allAt(commit, kept);
    for (const cluster of ['east', 'west']) {
      expect((await readConfigMap(fleet.cluster(cluster), 'default', 'beta'))?.data).toEqual({ value: 'two' });
    }
    // beta's sync (a PROGRESSING report, then SYNCED) is all the agents said.
    const rows = await fleet.db.query<{ bundle: string; phase: string }>(
      `SELECT DISTINCT bundle, phase FROM status_report WHERE received_at >= $1 ORDER BY bundle, phase`,
      [before],
    );
    expect(rows).toEqual([
      { bundle: 'beta', phase: 'progressing' },
      { bundle: 'beta', phase: 'synced' },
    ]);
    // The commit gate knows the others' files came with the first commit.
    expect((await fleet.api.get<{ state: string }>(`/api/v1/commits/${commit}`)).body.state).toBe('reached');
  });
});
