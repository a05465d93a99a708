/**
 * Hostile input on the agent's side: bundles whose manifests would cost it memory or CPU
 * without end — more documents than the limit, a file of empty documents, one huge document,
 * a document nested thousands deep, and a document that takes the YAML parser seconds. Each is
 * refused with its file and the rule it broke, nothing of it is applied, the other bundle on
 * the same agent syncs, and the agent's heartbeats go on throughout (the session is never
 * dropped), because reading runs in a worker thread within a budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSourceLimits } from '../../agent/src/source/limits';
import { bundleFor } from '../support/bundles';
import { eventually } from '../support/eventually';
import { capturingLogger, readConfigMap, startFleet, type ClusterView, type Fleet } from '../support/fleet';

const bundle = (name: string) => bundleFor(name, 'default');
const cm = (name: string, data = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${data}`;

/** Lower limits than the defaults, so that each bomb stays small in the repository. */
const LIMITS = { ...defaultSourceLimits(), maxDocuments: 100, maxDocumentBytes: 2 * 1024 * 1024, maxParseMs: 3_000 };

/** Per hostile bundle: its files (each beside a sentinel ConfigMap that must never be applied) and the refusal expected. */
const HOSTILE: Record<string, { files: Record<string, string>; refused: RegExp }> = {
  'doc-count': {
    files: { 'all.yaml': Array.from({ length: 101 }, (_, i) => cm(`doc-count-${i}`)).join('---\n') },
    refused: /^source: apps\/doc-count\/all\.yaml:\d+: more than 100 documents under "apps\/doc-count"/,
  },
  'empty-docs': {
    files: { 'empty.yaml': '---\n'.repeat(500_000) },
    refused: /^source: apps\/empty-docs\/empty\.yaml:\d+: more than 100 documents under "apps\/empty-docs" \(empty ones count too\)$/,
  },
  'huge-doc': {
    files: { 'huge.yaml': cm('huge', `data:\n  blob: "${'x'.repeat(3 * 1024 * 1024)}"\n`) },
    refused: /^source: apps\/huge-doc\/huge\.yaml:1: document is 3 MiB, over the limit of 2 MiB for one document$/,
  },
  deep: {
    files: { 'deep.yaml': cm('deep', `data: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`) },
    refused: /^source: apps\/deep\/deep\.yaml:\d+: invalid YAML: nested deeper than the limit of 100 levels$/,
  },
  'cpu-heavy': {
    // 40k keys in 0.9 MB: within every size limit, but ~8 s of the YAML parser's duplicate-key check.
    files: { 'heavy.yaml': cm('heavy', `data:\n${Array.from({ length: 40_000 }, (_, i) => `  k${i}: "v${i}"\n`).join('')}`) },
    refused: /^source: "apps\/cpu-heavy": reading the manifests took longer than the budget of 3 s$/,
  },
};

describe('hostile manifests on the agent: refused by rule, nothing applied, the rest goes on', { timeout: 180_000 }, () => {
  let fleet: Fleet;
  let hostileCommit: string;
  const samples: { connectivity: string; lastSeenAt: string | null }[] = [];
  let sampling: NodeJS.Timeout | undefined;
  const agentLog = capturingLogger('info');

  const view = async () => (await fleet.api.get<ClusterView & { bundles: { message: string }[] }>('/api/v1/clusters/c1')).body;

  beforeAll(async () => {
    fleet = await startFleet({
      files: { 'fleet/good.yaml': bundle('good'), 'apps/good/cm.yaml': cm('good', 'data:\n  v: "1"\n') },
      clusters: [{ name: 'c1', noAgent: true }],
      hub: { heartbeatIntervalMs: 500 },
    });
    await fleet.startAgent('c1', {}, { logger: agentLog.logger, engine: { limits: LIMITS } });
    await eventually(async () => expect((await view()).bundles.find((b) => b.bundle === 'good')?.phase).toBe('synced'));
    sampling = setInterval(() => {
      void view().then((v) => samples.push({ connectivity: v.connectivity, lastSeenAt: v.lastSeenAt }));
    }, 250);
    const files: Record<string, string> = { 'apps/good/cm.yaml': cm('good', 'data:\n  v: "2"\n') };
    for (const [name, { files: own }] of Object.entries(HOSTILE)) {
      files[`fleet/${name}.yaml`] = bundle(name);
      files[`apps/${name}/a-sentinel.yaml`] = cm(`${name}-sentinel`);
      for (const [file, text] of Object.entries(own)) files[`apps/${name}/${file}`] = text;
    }
    hostileCommit = await fleet.repo.commit(files, 'hostile bundles, and a change to the good one');
  });

  afterAll(async () => {
    clearInterval(sampling);
    await fleet?.stop();
  });

  it('syncs the other bundle on the same agent to the same commit', async () => {
    await eventually(
      async () => expect((await view()).bundles.find((b) => b.bundle === 'good')).toMatchObject({ phase: 'synced', commit: hostileCommit }),
      {
        timeoutMs: 60_000,
      },
    );
    expect((await readConfigMap(fleet.cluster('c1'), 'default', 'good'))?.data).toEqual({ v: '2' });
  });

  it.each(Object.keys(HOSTILE))('refuses %s with its file and rule named, applying nothing of it', async (name) => {
    const detail = await eventually(
      async () => {
        const b = (await view()).bundles.find((x) => x.bundle === name);
        expect(b).toMatchObject({ phase: 'failed', commit: hostileCommit });
        return b as { message: string };
      },
      { timeoutMs: 60_000 },
    );
    expect(detail.message).toMatch(HOSTILE[name].refused);
    expect(await readConfigMap(fleet.cluster('c1'), 'default', `${name}-sentinel`)).toBeUndefined();
  });

  it('kept its session throughout: never silent long enough for the hub to end it, never unreachable', () => {
    clearInterval(sampling);
    // A blocked event loop misses heartbeats: the hub ends the session and the agent logs that it reconnects.
    expect(agentLog.lines().filter((line) => /reconnecting/.test(String(line['msg'])))).toEqual([]);
    expect(samples.length).toBeGreaterThan(5);
    expect(samples.filter((s) => s.connectivity !== 'connected')).toEqual([]);
    expect(new Set(samples.map((s) => s.lastSeenAt)).size).toBeGreaterThan(3); // heard from all along, not once
  });
});
