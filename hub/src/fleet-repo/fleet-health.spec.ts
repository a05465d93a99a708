import { rename } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetEvent, FleetView } from '../api-contract';
import { BUNDLE, CONFIGMAP, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import { afterFetched, afterFetchFailed, afterRejected, HEALTHY, repoState, storedHealth } from './fleet-health';
import { FleetRepoService } from './fleet-repo.service';

const AT = new Date('2026-01-02T03:04:05.000Z');
const LATER = new Date('2026-01-02T03:09:05.000Z');
const ERROR = { file: 'fleet/web.yaml', line: 7, field: 'spec.source.path', message: 'nope' };

describe('fleet health: a refused head and a failing fetch, each cleared on its own', () => {
  it('keeps when fetching started failing, and the refused head through a failing fetch', () => {
    const rejected = afterRejected(HEALTHY, 'a'.repeat(40), [ERROR], AT);
    const failing = afterFetchFailed(afterFetchFailed(rejected, 'connection refused', AT), 'timed out', LATER);
    expect(failing).toEqual({
      rejected: { commit: 'a'.repeat(40), errors: [ERROR], at: AT.toISOString() },
      fetch: { message: 'timed out', since: AT.toISOString(), lastAttemptAt: LATER.toISOString() },
    });
    expect(repoState('b'.repeat(40), failing)).toBe('unreachable');
    expect(repoState('b'.repeat(40), afterFetched(failing))).toBe('rejected');
    expect(repoState(null, HEALTHY)).toBe('pending');
    expect(afterRejected(rejected, 'a'.repeat(40), [ERROR], LATER).rejected?.at).toBe(AT.toISOString());
  });

  it('reads what hubs before it stored: { commit, errors }, commit null for a fetch failure', () => {
    expect(storedHealth({ commit: null, errors: [{ ...ERROR, message: 'fetch failed: x' }] }, AT)).toEqual({
      rejected: null,
      fetch: { message: 'fetch failed: x', since: AT.toISOString(), lastAttemptAt: AT.toISOString() },
    });
    expect(storedHealth({ commit: 'c'.repeat(40), errors: [ERROR] }, AT).rejected?.commit).toBe('c'.repeat(40));
    expect(storedHealth(null, null)).toEqual(HEALTHY);
  });
});

describe('fleet health of a running hub', () => {
  let t: TestHub;
  let fleet: FleetRepoService;
  let good: string;

  const repo = async () => (await t.get<FleetView>('/api/v1/fleet')).body.repos[0];
  const events = async (type: string) => (await t.get<{ items: FleetEvent[] }>(`/api/v1/events?type=${type}`)).body.items;
  const metric = async (state: string) => {
    const text = await (await fetch(`${t.hub.httpUrl}/metrics`)).text();
    return Number(new RegExp(`^gitfleet_fleet_repo_state\\{repo="default",state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { fleetPollIntervalMs: 60_000 });
    fleet = t.app.get(FleetRepoService);
    good = await t.repo.head();
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('is ok while the head is accepted', async () => {
    expect(await repo()).toMatchObject({ commit: good, state: 'ok', rejected: null, fetchError: null, error: null });
    expect(await metric('ok')).toBe(1);
  });

  it('shows a refused head with file:line errors, keeping the last good commit', async () => {
    const broken = await t.repo.commit({ 'fleet/web.yaml': 'apiVersion: gitfleet.io/v1alpha1\nkind: Bundle\nmetadata: [\n' }, 'broken');
    await fleet.syncNow();
    const r = await repo();
    expect(r).toMatchObject({ commit: good, state: 'rejected', fetchError: null });
    expect(r.rejected).toEqual({
      commit: broken,
      errors: [expect.objectContaining({ file: 'fleet/web.yaml', line: expect.any(Number) })],
      at: expect.any(String),
    });
    expect(await metric('rejected')).toBe(1);
    expect(await metric('ok')).toBe(0);
  });

  it('shows a fetch that fails, with its cause and since when, records fleet.fetch.failed once, and keeps the refused head', async () => {
    const moved = `${t.repo.barePath}.away`;
    await rename(t.repo.barePath, moved);
    try {
      await fleet.syncNow();
      const first = await repo();
      await fleet.syncNow();
      const r = await repo();
      expect(r.state).toBe('unreachable');
      expect(r.fetchError).toEqual({
        message: expect.stringContaining('git fetch of'),
        since: first.fetchError!.since,
        lastAttemptAt: expect.any(String),
      });
      expect(r.rejected?.commit).toBe(await t.repo.head());
      expect(r.error?.commit).toBeNull();
      expect(await metric('unreachable')).toBe(1);
      await eventually(async () => expect(await events('fleet.fetch.failed')).toHaveLength(1));
      expect((await events('fleet.fetch.failed'))[0]).toMatchObject({
        severity: 'error',
        message: expect.stringContaining('git fetch of'),
      });
    } finally {
      await rename(moved, t.repo.barePath);
    }
  });

  it('records fleet.fetch.recovered when fetching works again; the refused head is still refused', async () => {
    await fleet.syncNow();
    const r = await repo();
    expect(r).toMatchObject({ state: 'rejected', fetchError: null, commit: good });
    expect(r.error?.commit).toBe(r.rejected?.commit);
    await eventually(async () => expect(await events('fleet.fetch.recovered')).toHaveLength(1));
    await fleet.syncNow();
    expect(await events('fleet.fetch.recovered')).toHaveLength(1);
  });

  it('is ok again once a good commit is accepted', async () => {
    const fixed = await t.repo.commit({ 'fleet/web.yaml': BUNDLE('web') }, 'fixed');
    await fleet.syncNow();
    expect(await repo()).toMatchObject({ commit: fixed, state: 'ok', rejected: null, fetchError: null, error: null });
  });
});
