import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetClient } from '#proto';
import { createLogger } from '../logger';
import { FakeHub, heartbeatsEvery, until } from '../testing/fake-hub';
import { createFleetClient, HubChannel } from './fleet-client';
import { FleetLink } from './fleet-link';

/** The link against hubs that are not there, or not answering: how it dials again, and when it counts as connected. */

const silent = createLogger('silent');
let hub: FakeHub | undefined;
let link: FleetLink | undefined;
let client: FleetClient | undefined;

afterEach(async () => {
  await link?.stop();
  link = undefined;
  client?.close();
  client = undefined;
  hub?.stop();
  hub = undefined;
});

describe('FleetLink after failed connections', () => {
  it('dials anew after a failed connection: the link decides when to retry, not the grpc-js channel', async () => {
    // For 6 s the hub's port resets every connection at once (as an overflowing accept queue
    // does); a channel left alone then fails every call at once until its own backoff ends
    // (1 s, 1.6 s, 2.56 s, 4.1 s …), seconds after the hub is back.
    const resetter = createServer((socket) => socket.resetAndDestroy());
    const port = await new Promise<number>((resolve) =>
      resetter.listen(0, '127.0.0.1', () => resolve((resetter.address() as { port: number }).port)),
    );
    const back = new FakeHub();
    hub = back;
    const channel = new HubChannel(`127.0.0.1:${port}`, undefined);
    const unreachable: number[] = [];
    const started = new FleetLink({
      client: channel.plain,
      clientFor: () => channel.plain,
      onUnreachable: () => {
        unreachable.push(Date.now());
        channel.redial();
      },
      heartbeatIntervalMs: 10_000,
      handler: { heldTargetSet: () => undefined, takeTargetSet: async () => {} },
      logger: silent,
      backoff: { baseMs: 100, factor: 1, capMs: 100, resetAfterMs: 30_000 },
      random: () => 0.5,
    });
    link = started;
    try {
      started.start({ clusterId: 'c-123', credential: 'c-123.s3cret' });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(unreachable.length).toBeGreaterThan(5);
      await new Promise<void>((resolve) => resetter.close(() => resolve()));
      await back.start(port);
      const up = Date.now();
      await until(() => back.streams.length === 1);
      expect(Date.now() - up).toBeLessThan(1_500);
    } finally {
      await started.stop();
      link = undefined;
      channel.close();
    }
  }, 20_000);

  it('is connected only while its stream runs on a connection that is up, not while it is still attempting one', async () => {
    // A port that accepts connections and never answers (a hub hung, a load balancer with no backend).
    const silentPort = createServer(() => {});
    const port = await new Promise<number>((resolve) =>
      silentPort.listen(0, '127.0.0.1', () => resolve((silentPort.address() as { port: number }).port)),
    );
    const live = new FakeHub();
    hub = live;
    const waiting = new FleetLink({
      client: createFleetClient(`127.0.0.1:${port}`),
      heartbeatIntervalMs: 10_000,
      handler: { heldTargetSet: () => undefined, takeTargetSet: async () => {} },
      logger: silent,
      backoff: { baseMs: 50, factor: 1, capMs: 50, resetAfterMs: 30_000 },
    });
    link = waiting;
    try {
      waiting.start({ clusterId: 'c-123', credential: 'c-123.s3cret' });
      const seen: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        seen.push(waiting.connected);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(seen.every((connected) => !connected)).toBe(true);
    } finally {
      await waiting.stop();
      link = undefined;
      silentPort.close();
    }

    await live.start();
    live.onConnect = heartbeatsEvery(50);
    client = createFleetClient(live.address);
    const connecting = new FleetLink({
      client,
      heartbeatIntervalMs: 10_000,
      handler: { heldTargetSet: () => undefined, takeTargetSet: async () => {} },
      logger: silent,
      backoff: { baseMs: 20, factor: 2, capMs: 2000, resetAfterMs: 30_000 },
    });
    link = connecting;
    connecting.start({ clusterId: 'c-123', credential: 'c-123.s3cret' });
    await until(() => connecting.connected);
    live.stop();
    await until(() => !connecting.connected);
  }, 20_000);
});
