/**
 * Hostile input: reports an agent (compromised, buggy, or fed a hostile manifest) sends. None
 * of them may take a session or a cluster's status down: what can be stored is stored with its
 * control characters made visible, what cannot is refused report by report with a typed
 * reason (and acked, for agents that predate the refusal), and the session goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RejectReason } from '#proto';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub, type TestStream } from '../../hub/src/testing/hub-fixture';

describe('hostile reports: refused one by one, the session and the status stay', () => {
  let t: TestHub;
  let agent: TestAgent;
  let stream: TestStream;
  let commit: string;
  let clusterId: string;

  beforeAll(async () => {
    t = await startTestHub({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') }, { heartbeatIntervalMs: 60_000 });
    commit = await t.repo.head();
    agent = new TestAgent(t.hub.grpcAddress);
    const registered = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-hostile', name: 'hostile' });
    clusterId = registered.clusterId;
    stream = agent.connect(registered.credential);
    stream.hello(clusterId);
    await stream.nth('targetSet');
  });

  afterAll(async () => {
    stream?.close();
    agent?.close();
    await t?.stop();
  });

  const rejection = async (seq: string) => {
    await stream.acked(seq);
    return stream.ofKind('statusReject').find((r) => r.seq === seq);
  };

  it('stores a report whose strings hold NUL and escape sequences, as visible escapes, and acks it', async () => {
    const seq = stream.report('web', commit, {
      message: 'bad\u0000value \u001b]0;pwned\u0007',
      resources: [
        {
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'web\u0000' },
          action: 3,
          health: 1,
          healthMessage: 'ok\u0000',
          driftDiff: '-  key: a\u0000b\n+  key: c\n',
          drifted: true,
          error: '',
        },
      ],
    });
    expect(await rejection(seq)).toBeUndefined();
    const [row] = await t.query<{ message: string; resources: { name: string; driftDiff: string }[] }>(
      `SELECT message, resources FROM status_report WHERE cluster_id = $1 AND seq = $2`,
      [clusterId, seq],
    );
    expect(row.message).toBe('bad\\u0000value \\u001b]0;pwned\\u0007');
    expect(row.resources[0]).toMatchObject({ name: 'web\\u0000', driftDiff: '-  key: a\\u0000b\n+  key: c\n' });
  });

  it.each([
    ['a drift count beyond a database integer', { driftCount: 4_294_967_295 }, /drift_count 4294967295 is out of range/],
    [
      'a seq of 2^64-1 (it would freeze the bundle: every later report looks older)',
      { seq: '18446744073709551615' },
      /more than 7 days ahead/,
    ],
    ['a summary count beyond a database integer', { summary: { created: 4_000_000_000 } }, /summary\.created 4000000000 is out of range/],
  ])('refuses %s with INVALID, acks it, and keeps the session', async (_what, fields, detail) => {
    const seq = stream.report('web', commit, fields);
    const refused = await rejection(seq);
    expect(refused).toMatchObject({ reason: RejectReason.REJECT_REASON_INVALID, detail: expect.stringMatching(detail) });
    expect(stream.status).toBeUndefined();
    const next = stream.report('web', commit);
    await stream.acked(next);
    const [status] = await t.query<{ seq: string }>(
      `SELECT last_seq::text AS seq FROM bundle_status WHERE cluster_id = $1 AND bundle = 'web'`,
      [clusterId],
    );
    expect(status.seq).toBe(next);
  });

  it('refuses a report about a bundle name with control characters', async () => {
    const seq = stream.report('web\u0000x', commit);
    expect(await rejection(seq)).toMatchObject({ reason: RejectReason.REJECT_REASON_INVALID, detail: expect.stringMatching(/printable/) });
    expect(stream.status).toBeUndefined();
  });

  it('refuses a registration whose cluster UID or version holds control characters, with INVALID_ARGUMENT', async () => {
    await expect(agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid\u0000', name: 'nul-uid' })).rejects.toMatchObject({
      code: 3,
      details: expect.stringMatching(/cluster_uid "uid\\u0000" holds characters a UID does not/),
    });
    await expect(
      agent.register({ bootstrapToken: t.bootstrapToken, name: 'esc-version', agentVersion: '1\u001b[2J' }),
    ).rejects.toMatchObject({
      code: 3,
    });
  });

  it('rate-limits a cluster that floods reports: RATE_LIMITED with a retry time, the session goes on', async () => {
    const before = stream.ofKind('statusReject').length;
    for (let i = 0; i < 3_000; i++) stream.report('web', commit, { reason: 2, syncStartedAt: '' });
    const limited = await stream.nth('statusReject', before + 1, 30_000);
    expect(limited).toMatchObject({ reason: RejectReason.REJECT_REASON_RATE_LIMITED, detail: 'more than 100 reports a second' });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(stream.status).toBeUndefined();
    // Not acked: the agent keeps it and sends it again later.
    expect(stream.ofKind('statusAck').some((a) => a.seq === limited.seq)).toBe(false);
  });
});
