import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { BUNDLE, CONFIGMAP, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import { FleetRepoService } from './fleet-repo.service';
import type { FleetView } from './fleet.controller';

const FROM_REPO = (name: string, url: string, ref: string, path = `apps/${name}`) => `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: ${name}
spec:
  source:
    path: ${path}
    repo:
      url: ${url}
      ref: ${ref}
  targets:
    - clusterGroup: everyone
`;
const GROUP = 'apiVersion: gitfleet.io/v1alpha1\nkind: ClusterGroup\nmetadata:\n  name: everyone\nspec:\n  selector: {}\n';

describe('fleet-repo: several fleet repositories and bundle sources in other repositories', () => {
  let t: TestHub;
  let team: BareRepo;
  let charts: BareRepo;
  let fleet: FleetRepoService;
  let chartsMain: string;
  let chartsV1: string;

  beforeAll(async () => {
    charts = await BareRepo.create();
    chartsV1 = await charts.commit({ 'apps/cache/cm.yaml': CONFIGMAP('cache'), 'apps/db/cm.yaml': CONFIGMAP('db') }, 'charts v1');
    await charts.git('tag', 'v1');
    await charts.git('push', 'origin', 'v1');
    chartsMain = await charts.commit({ 'apps/cache/cm.yaml': CONFIGMAP('cache-2') }, 'charts main');
    team = await BareRepo.create();
    await team.commit(
      {
        'deploy/db.yaml': FROM_REPO('db', charts.url, 'v1'),
        'deploy/cache.yaml': FROM_REPO('cache', charts.url, 'main'),
      },
      'team fleet',
    );
    t = await startTestHub(
      { 'fleet/web.yaml': BUNDLE('web'), 'fleet/groups.yaml': GROUP, 'apps/web/cm.yaml': CONFIGMAP('web') },
      { fleetRepos: [{ name: 'team', url: team.url, branch: 'main', path: 'deploy' }] },
    );
    fleet = t.app.get(FleetRepoService);
  });

  afterAll(async () => {
    await t?.stop();
    await team?.remove();
    await charts?.remove();
  });

  const sources = async () =>
    Object.fromEntries(
      ((await fleet.current())?.bundles ?? []).map((b) => [
        b.name,
        `${b.fleetRepo} ${b.source.repoUrl} ${b.source.commit} ${b.source.path}`,
      ]),
    );

  it('serves the bundles of both repositories, each source resolved to an exact commit', async () => {
    expect(await sources()).toEqual({
      web: `default ${t.repo.url} ${await t.repo.head()} apps/web`,
      db: `team ${charts.url} ${chartsV1} apps/db`,
      cache: `team ${charts.url} ${chartsMain} apps/cache`,
    });
    // Groups cross repositories: "everyone" is declared in the default repository.
    expect((await fleet.current())?.groups.map((g) => g.name)).toEqual(['everyone']);
    const view = (await t.get<FleetView>('/api/v1/fleet')).body;
    expect(view.repos.map((r) => [r.name, r.url, r.path, r.error])).toEqual([
      ['default', t.repo.url, 'fleet', null],
      ['team', team.url, 'deploy', null],
    ]);
  });

  it('advancing the source branch changes only the bundle that follows it', async () => {
    const before = await sources();
    const advanced = await charts.commit({ 'apps/cache/cm.yaml': CONFIGMAP('cache-3') }, 'charts advance');
    await fleet.syncNow();
    const after = await sources();
    expect(after.cache).toBe(`team ${charts.url} ${advanced} apps/cache`);
    expect({ ...after, cache: undefined }).toEqual({ ...before, cache: undefined });
  });

  it('a broken commit in one repository keeps its last good bundles and does not hold up the other', async () => {
    const before = await sources();
    const broken = await team.commit({ 'deploy/db.yaml': FROM_REPO('db', charts.url, 'no-such-branch') }, 'broken ref');
    const next = await t.repo.commit({ 'fleet/api.yaml': BUNDLE('api', '{}', 'apps/web') }, 'default moves on');
    await fleet.syncNow();
    const after = await sources();
    expect(after.db).toBe(before.db);
    expect(after.api).toBe(`default ${t.repo.url} ${next} apps/web`);
    const team_ = (await t.get<FleetView>('/api/v1/fleet')).body.repos[1];
    expect(team_.error).toEqual({
      commit: broken,
      errors: [
        {
          file: 'deploy/db.yaml',
          line: 10,
          field: 'spec.source.repo.ref',
          message: expect.stringContaining('no branch or tag named "no-such-branch"'),
        },
      ],
    });
  });

  it('refuses a commit that breaks the whole fleet: a name another repository already uses, a group that is gone', async () => {
    const head = (await t.get<FleetView>('/api/v1/fleet')).body.repos[1].commit;
    const clash = await team.commit({ 'deploy/db.yaml': FROM_REPO('web', charts.url, 'v1', 'apps/db') }, 'name clash');
    await fleet.syncNow();
    let view = (await t.get<FleetView>('/api/v1/fleet')).body;
    expect(view.repos[1].commit).toBe(head);
    expect(view.repos[1].error?.commit).toBe(clash);
    expect(view.repos[1].error?.errors.map((e) => `${e.file}:${e.line}: ${e.field}: ${e.message}`)).toEqual([
      'deploy/db.yaml:4: metadata.name: duplicate bundle name "web" (first defined in fleet repository "default" at fleet/web.yaml:1)',
    ]);
    const gone = await t.repo.commit({ 'fleet/groups.yaml': null }, 'drop the group the team uses');
    await fleet.syncNow();
    view = (await t.get<FleetView>('/api/v1/fleet')).body;
    expect(view.repos[0].error?.commit).toBe(gone);
    expect(view.repos[0].error?.errors[0].message).toBe('cluster group "everyone" does not exist (in fleet repository "team")');
  });

  it('keeps every accepted commit for pins and rollbacks', async () => {
    const first = await fleet.bundlesAt(
      'team',
      (await t.query<{ commit: string }>(`SELECT commit FROM fleet_commit WHERE fleet_repo = 'team' ORDER BY accepted_at LIMIT 1`))[0]
        .commit,
    );
    expect(first?.bundles.map((b) => b.name).sort()).toEqual(['cache', 'db']);
    expect(await fleet.bundlesAt('team', 'f'.repeat(40))).toBeNull();
  });

  it('follows a source pinned to a commit SHA', async () => {
    await t.repo.commit({ 'fleet/groups.yaml': GROUP }, 'group back');
    await team.commit({ 'deploy/db.yaml': FROM_REPO('db', charts.url, chartsV1) }, 'pin by sha');
    await fleet.syncNow();
    await eventually(async () => expect((await sources()).db).toBe(`team ${charts.url} ${chartsV1} apps/db`));
  });
});
