import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataSource } from 'typeorm';
import { DEFAULT_BUNDLE_POLICY } from '#core';
import { RenderKind, Target } from '#proto';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { dataSourceOptions } from '../database/data-source-options';
import type { BundleSpec, LabelSelector } from '../fleet-repo/fleet-format';
import {
  bundleTargetOf,
  TargetBuilder,
  targetDigest,
  targetSetChecksum,
  targetSetJson,
  withPolicies,
  type PlacedCluster,
  type TargetSpec,
} from './target-set';
import { TargetSetEntity } from './target-set.entity';
import { TargetSetStore, WHOLE_TARGETS_SQL, type PendingTargetSet } from './target-set-store';
import { writtenHeads, writtenTargets } from './written-targets';
import { bundleRevisionsAfter } from './placement-pass';

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

  /** What placement would write for the cluster: on the TargetSet stored now, if any (`known`: the builder, as placement gives it). */
  const pending = async (name: string, targets: TargetSpec[], known?: TargetBuilder): Promise<PendingTargetSet> => {
    const [held] = await db.query<
      { revision: string; digests: Record<string, string> | null; revisions: Record<string, string>; targets: TargetSpec[] }[]
    >(
      `SELECT revision::text AS revision, target_digests AS digests, bundle_revisions AS revisions, ${WHOLE_TARGETS_SQL} AS targets
       FROM target_set t WHERE cluster_id = $1`,
      [idOf.get(name)],
    );
    const digestsOf = (of: TargetSpec[]) => Object.fromEntries(of.map((t) => [t.bundle, targetDigest(t)]));
    const digests = digestsOf(targets);
    // A row without digests (from before them): its digests computed from its targets, as placement does.
    const base =
      held === undefined
        ? undefined
        : {
            revision: held.revision,
            digests: held.digests ?? digestsOf(held.targets),
            bundleRevisions: held.revisions,
            digestsStored: held.digests !== null,
          };
    return {
      clusterId: idOf.get(name)!,
      checksum: targetSetChecksum(targets),
      targets,
      digests,
      bundleRevisions: bundleRevisionsAfter(
        base && { revision: base.revision, bundle_revisions: base.bundleRevisions, digests: base.digests },
        digests,
      ),
      ...(known === undefined ? {} : { known }),
      ...(base === undefined ? {} : { base }),
    };
  };

  const stored = async () =>
    new Map(
      (
        await db.query<{ name: string; targets: unknown; checksum: string }[]>(
          `SELECT c.name, ${WHOLE_TARGETS_SQL} AS targets, t.checksum FROM target_set t JOIN cluster c ON c.id = t.cluster_id`,
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
    const chunk = await Promise.all([
      pending('one', built.one, builder),
      pending('two', [...built.two, held], builder),
      pending('three', withPolicy, builder),
      pending('four', [], builder),
    ]);

    // Sent: each bundle target once for the chunk, whole targets only for those from elsewhere.
    const sent = writtenTargets(chunk);
    expect(Object.keys(JSON.parse(sent.bundleTargets) as object)).toHaveLength(3); // web gold, web default, api
    expect(sent.targetsOf[1]).toMatch(/^\[\{"n":"aaa-held","t":\{.*"bundle":"aaa-held"/);
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

  it('writes a TargetSet whose checksum changed at the next revision, and one still on the base it was computed on', async () => {
    const builder = new TargetBuilder({ ...FLEET, bundles: FLEET.bundles.filter((b) => b.name === 'api') });
    const again = new TargetBuilder(FLEET);
    const written = await store.write([
      await pending('one', builder.targetsFor(CLUSTERS[0])),
      await pending('four', again.targetsFor(CLUSTERS[3])),
    ]);
    expect(written.map((w) => w.revision)).toEqual(['2', '2']);
    const unchanged = await store.write([await pending('one', builder.targetsFor(CLUSTERS[0]))]);
    expect(unchanged).toEqual([]);
    const rows = await stored();
    expect(rows.get('one')?.targets).toStrictEqual(JSON.parse(targetSetJson(builder.targetsFor(CLUSTERS[0]))));
    expect((rows.get('four')?.targets as TargetSpec[]).map((t) => t.bundle)).toEqual(['api', 'web']);

    // Computed on revision 2, written by another replica meanwhile: not written, not returned.
    const stale = await pending('four', builder.targetsFor(CLUSTERS[3]));
    await store.write([await pending('four', new TargetBuilder({ ...FLEET, bundles: FLEET.bundles.slice(0, 1) }).targetsFor(CLUSTERS[3]))]);
    const before = await stored();
    expect(await store.write([stale])).toEqual([]);
    expect(await stored()).toEqual(before);
  });

  const targetRows = async (name: string) =>
    db.query<{ bundle: string; version: string }[]>(
      `SELECT bundle, xmin::text AS version FROM target_set_target WHERE cluster_id = $1 ORDER BY bundle`,
      [idOf.get(name)],
    );

  it('writes only the targets that changed; the others stay as they are, row and all; a bundle that left is deleted', async () => {
    const both = new TargetBuilder(FLEET).targetsFor(CLUSTERS[1]);
    await store.write([await pending('two', both)]);
    const before = await targetRows('two');

    // `web` gets a new commit; `api` stays exactly as it was.
    const moved = FLEET.bundles.map((b) => (b.name === 'web' ? { ...b, source: { ...b.source, commit: 'e'.repeat(40) } } : b));
    const nextBuilder = new TargetBuilder({ ...FLEET, bundles: moved });
    const next = nextBuilder.targetsFor(CLUSTERS[1]);
    const change = await pending('two', next, nextBuilder);
    // Sent: the changed target only.
    expect(writtenTargets([change]).targetsOf[0]).toMatch(/^\[\{"n":"web","b":"0","v":\{[^[]*\}\]$/);
    const [written] = await store.write([change]);
    expect(written.revision).toBe(String(Number(change.base!.revision) + 1));
    const after = await targetRows('two');
    expect(after.map((r) => r.bundle)).toEqual(['api', 'web']);
    // `api` not even rewritten: the same row version.
    expect(after[0].version).toBe(before[0].version);
    expect(after[1].version).not.toBe(before[1].version);
    expect((await stored()).get('two')?.targets).toStrictEqual(JSON.parse(targetSetJson(next)));
    // The body of each bundle target stored once, whatever clusters it selects.
    expect(await db.query(`SELECT count(*)::int AS n FROM target_body WHERE commit = $1`, ['e'.repeat(40)])).toEqual([{ n: 1 }]);

    // Of its bundle revisions and digests, only web's were sent; the row has them all.
    expect(JSON.parse(writtenHeads([change]).bundleRevisions)).toEqual([{ web: written.revision }]);
    expect(JSON.parse(writtenHeads([change]).digests)).toEqual([{ web: change.digests.web }]);
    expect(await heads('two')).toEqual({ revisions: change.bundleRevisions, digests: change.digests });
    expect(change.bundleRevisions.api).toBe(change.base!.bundleRevisions.api);

    // `api` leaves: sent as null, gone from the row.
    const left = await pending(
      'two',
      next.filter((t) => t.bundle === 'web'),
    );
    expect(JSON.parse(writtenHeads([left]).digests)).toEqual([{ api: null }]);
    await store.write([left]);
    expect((await targetRows('two')).map((r) => r.bundle)).toEqual(['web']);
    expect((await stored()).get('two')?.targets).toStrictEqual(JSON.parse(targetSetJson(next.filter((t) => t.bundle === 'web'))));
    expect(await heads('two')).toEqual({ revisions: left.bundleRevisions, digests: left.digests });
    expect(Object.keys(left.digests)).toEqual(['web']);

    // A row that stores no digests (from before them) gets them all.
    await db.query(`UPDATE target_set SET target_digests = NULL WHERE cluster_id = $1`, [idOf.get('two')]);
    const again = await pending('two', both);
    expect(again.base?.digestsStored).toBe(false);
    expect(JSON.parse(writtenHeads([again]).digests)).toEqual([again.digests]);
    await store.write([again]);
    expect(await heads('two')).toEqual({ revisions: again.bundleRevisions, digests: again.digests });
  });

  const heads = async (name: string) =>
    (
      await db.query<{ revisions: Record<string, string>; digests: Record<string, string> | null }[]>(
        `SELECT bundle_revisions AS revisions, target_digests AS digests FROM target_set WHERE cluster_id = $1`,
        [idOf.get(name)],
      )
    )[0];

  it('takes from memory the heads it wrote or read while they are as stored, and reads the others whole', async () => {
    // A replica of its own: it writes every cluster's TargetSet anew.
    const replica = new TargetSetStore(db.getRepository(TargetSetEntity));
    const builder = new TargetBuilder({
      ...FLEET,
      bundles: FLEET.bundles.map((b) => ({ ...b, source: { ...b.source, commit: 'a'.repeat(40) } })),
    });
    const chunk = await Promise.all(CLUSTERS.map((c) => pending(c.name, builder.targetsFor(c), builder)));
    const written = await replica.write(chunk);
    expect(written).toHaveLength(CLUSTERS.length);
    const ids = CLUSTERS.map((c) => idOf.get(c.name)!);
    const one = idOf.get('one')!;
    const two = idOf.get('two')!;
    const heldOf = async (store: TargetSetStore, id: string, options?: { everyCluster: boolean }) =>
      (await store.held([id], () => false, options)).get(id)!;

    // What it wrote is what a replica that remembers nothing reads.
    const remembered = await replica.held(ids, () => false);
    const fresh = await new TargetSetStore(db.getRepository(TargetSetEntity)).held(ids, () => false);
    expect(remembered).toEqual(fresh);
    expect(remembered.get(one)).toMatchObject({ revision: written.find((w) => w.clusterId === one)!.revision, digestsMissing: false });

    // Changed in the database behind its back, revision and checksum as they were: still taken from
    // memory (no whole read), where a replica that remembers nothing reads the row.
    await db.query(`UPDATE target_set SET bundle_revisions = '{"web":"77","api":"77"}' WHERE cluster_id = $1`, [one]);
    expect((await heldOf(replica, one)).bundle_revisions).toEqual(remembered.get(one)!.bundle_revisions);
    expect((await heldOf(new TargetSetStore(db.getRepository(TargetSetEntity)), one)).bundle_revisions).toEqual({ web: '77', api: '77' });

    // Another revision (another replica wrote it): read whole, then remembered as read.
    await db.query(`UPDATE target_set SET revision = revision + 1 WHERE cluster_id = $1`, [one]);
    expect(await heldOf(replica, one)).toMatchObject({ bundle_revisions: { web: '77', api: '77' } });
    await db.query(`UPDATE target_set SET bundle_revisions = '{"web":"78","api":"78"}' WHERE cluster_id = $1`, [one]);
    expect((await heldOf(replica, one)).bundle_revisions).toEqual({ web: '77', api: '77' });

    // A row without digests is read whole (its digests computed from its targets) whatever is remembered.
    await db.query(`UPDATE target_set SET target_digests = NULL WHERE cluster_id = $1`, [two]);
    const withoutDigests = await heldOf(replica, two);
    expect(withoutDigests.digestsMissing).toBe(true);
    expect(withoutDigests.digests).toEqual(remembered.get(two)!.digests);
    await replica.backfillDigests([{ clusterId: two, checksum: withoutDigests.checksum, digests: withoutDigests.digests }]);

    // A read of every cluster placed forgets the heads of the others: read whole when asked again.
    await heldOf(replica, two);
    await replica.held([one], () => false, { everyCluster: true });
    await db.query(`UPDATE target_set SET bundle_revisions = '{"web":"79","api":"79"}' WHERE cluster_id = $1`, [two]);
    expect((await heldOf(replica, two)).bundle_revisions).toEqual({ web: '79', api: '79' });
  });

  it('reads a TargetSet back as stored: each body read and parsed once, shared by the clusters it is the target of', async () => {
    const repository = db.getRepository(TargetSetEntity);
    const reader = new TargetSetStore(repository);
    const builder = new TargetBuilder({
      ...FLEET,
      bundles: FLEET.bundles.map((b) => ({ ...b, source: { ...b.source, commit: 'b'.repeat(40) } })),
    });
    const held = Target.fromPartial({
      bundle: 'aaa-held',
      source: { repoUrl: 'https://git.example/old.git', commit: 'd'.repeat(40), path: 'old' },
      render: { kind: RenderKind.RENDER_KIND_RAW },
      values: { 'cluster.name': 'three' },
    });
    const placed = new Map(CLUSTERS.map((c) => [c.name, c.name === 'three' ? [held, ...builder.targetsFor(c)] : builder.targetsFor(c)]));
    await store.write(await Promise.all(CLUSTERS.map((c) => pending(c.name, placed.get(c.name)!, builder))));
    const bodyReads = vi.spyOn(repository, 'query');
    const readBodies = () => bodyReads.mock.calls.filter(([sql]) => String(sql).includes('FROM target_body')).length;

    const rows = await stored();
    const read = await Promise.all(CLUSTERS.map((c) => reader.current(idOf.get(c.name)!)));
    for (const [i, c] of CLUSTERS.entries()) {
      expect(read[i]?.targets, c.name).toStrictEqual(rows.get(c.name)?.targets);
      expect(read[i]?.checksum).toBe(targetSetChecksum(read[i]!.targets));
    }
    expect(readBodies()).toBe(1);
    // The clusters that get api's default target share its object, and it encodes once for all (bundleTargetOf).
    const apiOf = (i: number) => read[i]!.targets.find((t) => t.bundle === 'api')!;
    expect(apiOf(0).source).toBe(apiOf(1).source);
    expect(bundleTargetOf(apiOf(0))).toBeDefined();
    expect(bundleTargetOf(apiOf(0))).toBe(bundleTargetOf(apiOf(1)));
    expect(apiOf(0).values).toEqual({ 'cluster.name': 'one', 'cluster.labels.tier': 'gold', 'cluster.labels.region': 'eu' });

    // Read again (as for the next Hellos): the bodies are not read again.
    await Promise.all(CLUSTERS.map((c) => reader.current(idOf.get(c.name)!)));
    expect(readBodies()).toBe(1);
    bodyReads.mockRestore();
  });

  it('lets go of the bodies no target uses once they are an hour old, and of no other', async () => {
    await db.query(`INSERT INTO target_body (id, target, created_at) VALUES ('unused-old', '{}', now() - interval '2 hours'),
                    ('unused-new', '{}', now())`);
    await db.query(`UPDATE target_body SET created_at = now() - interval '2 hours' WHERE id IN (SELECT body_id FROM target_set_target)`);
    // What stays: the bodies some target uses, and those stored within the hour.
    const kept = await db.query<{ id: string }[]>(
      `SELECT id FROM target_body WHERE id IN (SELECT body_id FROM target_set_target) OR created_at >= now() - interval '1 hour'`,
    );
    expect(kept.map((r) => r.id)).toContain('unused-new');
    const all = await db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM target_body`);
    expect(await store.collectBodies()).toBe(all[0].n - kept.length);
    const left = await db.query<{ id: string }[]>(`SELECT id FROM target_body ORDER BY 1`);
    expect(left.map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
    expect(left.map((r) => r.id)).not.toContain('unused-old');
  });
});
