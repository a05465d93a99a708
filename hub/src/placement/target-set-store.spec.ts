import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { DEFAULT_BUNDLE_POLICY } from '#core';
import { RenderKind, Target } from '#proto';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { dataSourceOptions } from '../database/data-source-options';
import type { BundleSpec, LabelSelector } from '../fleet-repo/fleet-format';
import {
  TargetBuilder,
  targetDigest,
  targetSetChecksum,
  targetSetJson,
  withPolicies,
  type PlacedCluster,
  type TargetSpec,
} from './target-set';
import { TargetSetEntity } from './target-set.entity';
import { TargetSetStore, writtenTargets, type PendingTargetSet } from './target-set-store';

const selector = (matchLabels: Record<string, string>): LabelSelector => ({ matchLabels, matchExpressions: [] });

const bundle = (name: string, over: Partial<BundleSpec>): BundleSpec => ({
  name,
  sourcePath: `apps/${name}`,
  source: { repoUrl: 'https://git.example/fleet.git', commit: 'c'.repeat(40), path: `apps/${name}`, ref: 'main' },
  render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
  namespace: name,
  targets: [{ clusterSelector: selector({}), overrides: {} }],
  syncPolicy: { prune: true, selfHeal: true, drift: 'correct' },
  dependsOn: [],
  suspend: false,
  fleetRepo: 'default',
  ...over,
});

/** Two bundles, one with Helm values and a target whose overrides only some clusters get. */
const FLEET = {
  groups: [],
  bundles: [
    bundle('web', {
      render: {
        kind: 'helm',
        helmReleaseName: 'web',
        helmValues: { replicas: 2, note: 'quote " and \\ and \u0000' },
        kustomizePatches: [],
      },
      targets: [
        { clusterSelector: selector({ tier: 'gold' }), overrides: { helmValues: { replicas: 5 }, values: { track: 'gold' } } },
        { clusterSelector: selector({}), overrides: {} },
      ],
    }),
    bundle('api', { dependsOn: ['web'] }),
  ],
};

const CLUSTERS: PlacedCluster[] = [
  { name: 'one', labels: { tier: 'gold', region: 'eu' } },
  { name: 'two', labels: { region: 'us' } },
  { name: 'three', labels: { region: 'us', 'odd/key': 'value "quoted"' } },
  { name: 'four', labels: {} },
];

/**
 * Placement writes a chunk of TargetSets in one statement, sending each target that a
 * TargetBuilder built as its bundle target and the cluster's values (writtenTargets). What
 * PostgreSQL stores must be each cluster's whole targets all the same.
 */
describe('TargetSetStore.write', () => {
  let database: ThrowawayDatabase;
  let db: DataSource;
  let store: TargetSetStore;
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    db = await new DataSource(dataSourceOptions({ url: database.url, poolSize: 2 }, [TargetSetEntity])).initialize();
    store = new TargetSetStore(db.getRepository(TargetSetEntity));
    for (const c of CLUSTERS) {
      const [row] = await db.query<{ id: string }[]>(
        `INSERT INTO cluster (id, name, kube_system_uid, labels, credential_hash, agent_version, registered_at, connected)
         VALUES (gen_random_uuid(), $1, $1, $2, 'h', 'v', now(), false) RETURNING id::text AS id`,
        [c.name, JSON.stringify(c.labels)],
      );
      idOf.set(c.name, row.id);
    }
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const pending = (name: string, targets: TargetSpec[]): PendingTargetSet => ({
    clusterId: idOf.get(name)!,
    checksum: targetSetChecksum(targets),
    targets,
    digests: Object.fromEntries(targets.map((t) => [t.bundle, targetDigest(t)])),
    bundleRevisions: Object.fromEntries(targets.map((t) => [t.bundle, '1'])),
  });

  const stored = async () =>
    new Map(
      (
        await db.query<{ name: string; targets: unknown; checksum: string }[]>(
          `SELECT c.name, t.targets, t.checksum FROM target_set t JOIN cluster c ON c.id = t.cluster_id`,
        )
      ).map((r) => [r.name, r]),
    );

  it('stores every cluster’s whole targets, in bundle order, whether sent as a bundle target or whole', async () => {
    const builder = new TargetBuilder(FLEET);
    const built = Object.fromEntries(CLUSTERS.map((c) => [c.name, builder.targetsFor(c)]));
    // A target from elsewhere (a held one read back, here with a policy of its own) and an empty TargetSet.
    const held = Target.fromPartial({
      bundle: 'aaa-held',
      source: { repoUrl: 'https://git.example/old.git', commit: 'd'.repeat(40), path: 'old' },
      defaultNamespace: 'old',
      render: { kind: RenderKind.RENDER_KIND_RAW },
      values: { 'cluster.name': 'two' },
    });
    const withPolicy = withPolicies(
      built.three,
      () => 'default',
      () => DEFAULT_BUNDLE_POLICY,
    );
    const chunk = [pending('one', built.one), pending('two', [...built.two, held]), pending('three', withPolicy), pending('four', [])];

    // Sent: each bundle target once for the chunk, whole targets only for those from elsewhere.
    const sent = writtenTargets(chunk);
    expect(Object.keys(JSON.parse(sent.bundleTargets) as object)).toHaveLength(3); // web gold, web default, api
    expect(sent.targetsOf[1]).toMatch(/^\[\{"t":\{.*"bundle":"aaa-held"/);
    expect(sent.targetsOf[2]).not.toContain('"b":'); // withPolicies made new objects
    expect(sent.targetsOf[3]).toBe('[]');

    const written = await store.write(chunk);
    expect(written.map((w) => [w.clusterId, w.revision]).sort()).toEqual(chunk.map((p) => [p.clusterId, '1']).sort());
    const rows = await stored();
    for (const p of chunk) {
      const name = CLUSTERS.find((c) => idOf.get(c.name) === p.clusterId)!.name;
      expect(rows.get(name)?.targets, name).toStrictEqual(JSON.parse(targetSetJson(p.targets)));
      expect(rows.get(name)?.checksum).toBe(p.checksum);
    }
    expect((rows.get('two')?.targets as TargetSpec[]).map((t) => t.bundle)).toEqual(['aaa-held', 'api', 'web']);
    expect((rows.get('one')?.targets as TargetSpec[]).find((t) => t.bundle === 'web')?.values).toEqual({
      'cluster.name': 'one',
      'cluster.labels.tier': 'gold',
      'cluster.labels.region': 'eu',
      track: 'gold',
    });
  });

  it('rewrites a row only when its checksum changed, and then at the next revision', async () => {
    const builder = new TargetBuilder({ ...FLEET, bundles: FLEET.bundles.filter((b) => b.name === 'api') });
    const again = new TargetBuilder(FLEET);
    const written = await store.write([pending('one', builder.targetsFor(CLUSTERS[0])), pending('four', again.targetsFor(CLUSTERS[3]))]);
    expect(written.map((w) => w.revision)).toEqual(['2', '2']);
    const unchanged = await store.write([pending('one', builder.targetsFor(CLUSTERS[0]))]);
    expect(unchanged).toEqual([]);
    const rows = await stored();
    expect(rows.get('one')?.targets).toStrictEqual(JSON.parse(targetSetJson(builder.targetsFor(CLUSTERS[0]))));
    expect((rows.get('four')?.targets as TargetSpec[]).map((t) => t.bundle)).toEqual(['api', 'web']);
  });
});
