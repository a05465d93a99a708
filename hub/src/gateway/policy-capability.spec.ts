/**
 * Target.policy on the wire: the hub sends each target the policy its fleet repository's
 * operator set (none where none is set), and warns, naming the bundles, when the agent it sends
 * them to does not announce `policy/v1` (it predates policies and would ignore them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_POLICY } from '#core';
import { BareRepo } from '../../../test/support/git';
import { eventually } from '../../../test/support/eventually';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub, type TestStream } from '../testing/hub-fixture';

describe('bundle policies sent to agents', () => {
  const lines: Record<string, unknown>[] = [];
  const strict = { ...DEFAULT_BUNDLE_POLICY, namespaces: ['team-*'], deniedKinds: ['core/Secret'] };
  let teams: BareRepo;
  let t: TestHub;
  let agent: TestAgent;
  let stream: TestStream;

  beforeAll(async () => {
    teams = await BareRepo.create();
    await teams.commit({ 'fleet/team.yaml': BUNDLE('team'), 'apps/team/cm.yaml': CONFIGMAP('team') });
    t = await startTestHub(
      { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') },
      { logLevel: 'info', fleetRepos: [{ name: 'teams', url: teams.url, branch: 'main', path: 'fleet', policy: strict }] },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    agent = new TestAgent(t.hub.grpcAddress);
    const registered = await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: 'uid-policy', name: 'policy' });
    stream = agent.connect(registered.credential);
    stream.hello(registered.clusterId);
  });

  afterAll(async () => {
    stream?.close();
    agent?.close();
    await t?.stop();
    await teams?.remove();
  });

  it('sends the repository policy with its bundles only', async () => {
    const targetSet = await eventually(async () => {
      const sets = stream.ofKind('targetSet');
      const last = sets.at(-1);
      expect(last?.targets.map((x) => x.bundle)).toEqual(['team', 'web']);
      return last!;
    });
    expect(targetSet.targets.find((x) => x.bundle === 'team')!.policy).toEqual(strict);
    expect(targetSet.targets.find((x) => x.bundle === 'web')!.policy).toBeUndefined();
  });

  it('warns, naming the bundles, that an agent without policy/v1 does not enforce them', async () => {
    const warning = await eventually(() => {
      const found = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('this agent predates bundle policies'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(warning).toMatchObject({ level: 40, bundles: ['team'] });
  });
});
