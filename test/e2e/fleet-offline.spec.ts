/**
 * A cluster that goes offline, on real parts, with 500 ms heartbeats: the hub shows it
 * unreachable within the heartbeat window (three intervals plus one last-seen flush of at most
 * 5 s) and its bundles `unknown` — never synced or healthy — while the other cluster stays as
 * it was; it comes back when its agent returns. Twice: once with its agent stopped, once with
 * the network going silent (bytes dropped, connections left open) so that only the missed
 * heartbeats can tell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_WEB_BUNDLE } from '../support/bundles';
import { eventually } from '../support/eventually';
import { startFleet, startSilentRelay, type ClusterView, type Fleet, type SilentRelay } from '../support/fleet';

const HEARTBEAT_MS = 500;
/** docs/api.md: unreachable after three heartbeat intervals plus one last-seen flush (at most 5 s). */
const WINDOW_MS = 3 * HEARTBEAT_MS + 5_000;

interface BundlesList {
  items: { name: string; summary: Record<string, number> }[];
}

describe('fleet: a cluster that goes offline', { timeout: 90_000 }, () => {
  let fleet: Fleet;
  let relay: SilentRelay;

  const view = async (name: string) => (await fleet.api.get<ClusterView>(`/api/v1/clusters/${name}`)).body;
  const expectOnline = async (name: string) => {
    const v = await view(name);
    expect({ name, connectivity: v.connectivity, bundles: v.bundles.map((b) => [b.bundle, b.phase, b.health]) }).toEqual({
      name,
      connectivity: 'connected',
      bundles: [['web', 'synced', 'healthy']],
    });
  };
  const expectOffline = async (name: string) => {
    const v = await view(name);
    expect(v.connectivity).toBe('unreachable');
    expect(v.connected).toBe(false);
    expect(v.bundles.map((b) => ({ bundle: b.bundle, phase: b.phase, health: b.health }))).toEqual([
      { bundle: 'web', phase: 'unknown', health: 'unknown' },
    ]);
    // What was last known stays visible as such.
    expect(v.bundles[0]).toMatchObject({ lastKnownPhase: 'synced', lastKnownHealth: 'healthy' });
    const web = (await fleet.api.get<BundlesList>('/api/v1/bundles')).body.items.find((b) => b.name === 'web')!;
    const clusters = (await fleet.api.get<{ items: { cluster: string }[] }>('/api/v1/bundles/web/clusters')).body.items;
    expect(clusters.find((c) => c.cluster === name)).toMatchObject({ phase: 'unknown', health: 'unknown' });
    expect(web.summary).toMatchObject({ total: 2, synced: 1, unknown: 1 });
  };
  /** From the moment it is first shown offline, it is never shown otherwise for `ms`. */
  const expectStaysOffline = async (name: string, ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await expectOffline(name);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    fleet = await startFleet({
      files: ONE_WEB_BUNDLE,
      clusters: [{ name: 'steady' }, { name: 'flaky' }, { name: 'muted', noAgent: true }],
      hub: { heartbeatIntervalMs: HEARTBEAT_MS },
    });
    relay = await startSilentRelay(fleet.hub.grpcAddress);
    await eventually(
      async () => {
        for (const name of ['steady', 'flaky']) await expectOnline(name);
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
  });

  afterAll(async () => {
    await relay?.close();
    await fleet?.stop();
  });

  it('shows a cluster whose agent stopped unreachable within the heartbeat window, bundles unknown, and back when it restarts', async () => {
    const stoppedAt = Date.now();
    await fleet.stopAgent('flaky');
    await eventually(() => expectOffline('flaky'), { timeoutMs: WINDOW_MS, intervalMs: 100 });
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(WINDOW_MS);
    await expectStaysOffline('flaky', 2_000);
    await expectOnline('steady');

    await fleet.startAgent('flaky');
    await eventually(() => expectOnline('flaky'), { timeoutMs: 20_000, intervalMs: 200 });
  });

  it('shows a cluster whose network went silent unreachable within the heartbeat window, and back when it returns', async () => {
    // The third cluster's agent reaches the hub through a relay that can go silent.
    await fleet.startAgent('muted', { hubAddress: relay.address });
    await eventually(() => expectOnline('muted'), { timeoutMs: 20_000, intervalMs: 200 });
    const summaryOf = async () => (await fleet.api.get<BundlesList>('/api/v1/bundles')).body.items.find((b) => b.name === 'web')!.summary;
    expect(await summaryOf()).toMatchObject({ total: 3, synced: 3 });

    const silencedAt = Date.now();
    relay.blackhole();
    await eventually(
      async () => {
        const v = await view('muted');
        expect(v.connectivity).toBe('unreachable');
        expect(v.bundles.map((b) => [b.phase, b.health])).toEqual([['unknown', 'unknown']]);
      },
      { timeoutMs: WINDOW_MS, intervalMs: 100 },
    );
    expect(Date.now() - silencedAt).toBeLessThanOrEqual(WINDOW_MS);
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      const v = await view('muted');
      expect({ c: v.connectivity, b: v.bundles.map((b) => [b.phase, b.health]) }).toEqual({
        c: 'unreachable',
        b: [['unknown', 'unknown']],
      });
      expect(await summaryOf()).toMatchObject({ total: 3, synced: 2, unknown: 1 });
      await new Promise((r) => setTimeout(r, 200));
    }

    relay.restore();
    await eventually(() => expectOnline('muted'), { timeoutMs: 30_000, intervalMs: 200 });
  });
});
