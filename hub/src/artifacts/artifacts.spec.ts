import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactTarReader, type ArtifactEntry } from '#core';
import type { ArtifactChunk, TargetSet } from '#proto';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { BUNDLE, CONFIGMAP, TestAgent, startTestHub, type TestHub } from '../testing/hub-fixture';
import { ArtifactPacker } from './artifact-packer';
import { ArtifactStore } from './artifact-store';
import { TargetSetStore } from '../placement/target-set-store';

const KUSTOMIZE_BUNDLE = `apiVersion: gitfleet.io/v1alpha1
kind: Bundle
metadata:
  name: kust
spec:
  source:
    path: overlays/prod
    kind: kustomize
  namespace: kust
  targets:
    - clusterSelector: {}
`;

const FILES = {
  'fleet/web.yaml': BUNDLE('web'),
  'fleet/api.yaml': BUNDLE('api'),
  'fleet/kust.yaml': KUSTOMIZE_BUNDLE,
  'apps/web/cm.yaml': CONFIGMAP('web'),
  'apps/api/cm.yaml': CONFIGMAP('api'),
  'overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\npatches:\n  - path: ../../patches/replicas.yaml\n',
  'base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
  'base/cm.yaml': CONFIGMAP('kust'),
  'patches/replicas.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kust\ndata:\n  b: "2"\n',
  'unrelated/notes.md': 'not part of any bundle\n',
};

interface Entry {
  path: string;
  kind: string;
  text?: string;
}

/** Unpacks an artifact's gzip stream with the reader agents use; its entries and digest. */
async function unpack(gzip: Buffer): Promise<{ entries: Entry[]; digest: string }> {
  const entries: Entry[] = [];
  const data: Buffer[] = [];
  const reader = new ArtifactTarReader(
    {
      entry: (e: ArtifactEntry) => {
        entries.push(e.kind === 'symlink' ? { path: e.path, kind: 'symlink', text: e.target } : { path: e.path, kind: 'file' });
        data.length = 0;
      },
      data: (chunk) => void data.push(Buffer.from(chunk)),
      end: () => void (entries.at(-1)!.text = Buffer.concat(data).toString()),
    },
    { maxFiles: 1000, maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24, maxDepth: 32 },
  );
  await reader.push(gunzipSync(gzip));
  return { entries, digest: await reader.finish() };
}

describe('artifacts: bundle sources packed by the hub and served to agents', () => {
  let t: TestHub;
  let agent: TestAgent;
  let credential: string;
  let other: { agent: TestAgent; credential: string };

  const artifactsOfBundles = async () =>
    Object.fromEntries(
      (
        await t.query<{ name: string; digest: string }>(`SELECT name, spec -> 'source' -> 'artifact' ->> 'digest' AS digest FROM bundle`)
      ).map((r) => [r.name, r.digest]),
    );
  const commitAndSync = async (files: Record<string, string | null>) => {
    const commit = await t.repo.commit(files);
    await t.app.get(FleetRepoService).syncNow();
    return commit;
  };
  const fetchArtifact = (who: TestAgent, secret: string, digest: string) =>
    new Promise<{ data: Buffer; status: grpc.StatusObject }>((resolve) => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${secret}`);
      const call = who.client.fetchArtifact({ digest }, metadata);
      const chunks: Buffer[] = [];
      call.on('data', (chunk: ArtifactChunk) => chunks.push(Buffer.from(chunk.data)));
      call.on('error', () => undefined);
      call.on('status', (status: grpc.StatusObject) => resolve({ data: Buffer.concat(chunks), status }));
    });
  const commitsOf = (targetSet: TargetSet) => Object.fromEntries(targetSet.targets.map((target) => [target.bundle, target.source?.commit]));
  const targetSetOf = async (secret: string, clusterId: string): Promise<TargetSet> => {
    const stream = agent.connect(secret);
    stream.hello(clusterId);
    const targetSet = await stream.nth('targetSet');
    stream.close();
    return targetSet;
  };

  beforeAll(async () => {
    t = await startTestHub(FILES);
    agent = new TestAgent(t.hub.grpcAddress);
    const registered = await agent.register({ bootstrapToken: t.bootstrapToken, name: 'one', labels: { team: 'a' } });
    credential = registered.credential;
    const second = new TestAgent(t.hub.grpcAddress);
    other = { agent: second, credential: (await second.register({ bootstrapToken: t.bootstrapToken, name: 'two' })).credential };
  });

  afterAll(async () => {
    agent?.close();
    other?.agent.close();
    await t?.stop();
  });

  it('packs every bundle at acceptance: its path, and for Kustomize the bases and patches it refers to', async () => {
    const digests = await artifactsOfBundles();
    expect(Object.keys(digests).sort()).toEqual(['api', 'kust', 'web']);
    const store = t.app.get(ArtifactStore);
    const web = await unpack((await store.read(digests.web))!);
    expect(web.digest).toBe(digests.web);
    expect(web.entries).toEqual([{ path: 'apps/web/cm.yaml', kind: 'file', text: CONFIGMAP('web') }]);
    const kust = await unpack((await store.read(digests.kust))!);
    expect(kust.entries.map((e) => e.path)).toEqual([
      'base/cm.yaml',
      'base/kustomization.yaml',
      'overlays/prod/kustomization.yaml',
      'patches/replicas.yaml',
    ]);
  });

  it("keeps a bundle's digest and commit when a commit leaves its files as they were, and moves only the one whose files changed", async () => {
    const before = await artifactsOfBundles();
    const commitsBefore = commitsOf(await targetSetOf(credential, credential.split('.')[0]));
    const head = await commitAndSync({ 'unrelated/notes.md': 'edited\n', 'apps/api/cm.yaml': CONFIGMAP('api').replace('"1"', '"2"') });
    const after = await artifactsOfBundles();
    expect(after.web).toBe(before.web);
    expect(after.kust).toBe(before.kust);
    expect(after.api).not.toBe(before.api);
    // The targets of the bundles the commit left alone name the commit they named before.
    expect(commitsOf(await targetSetOf(credential, credential.split('.')[0]))).toEqual({ ...commitsBefore, api: head });
    expect(commitsBefore.web).not.toBe(head);
    // A base shared through Kustomize moves the bundle that uses it.
    await commitAndSync({ 'base/cm.yaml': CONFIGMAP('kust').replace('"1"', '"3"') });
    expect((await artifactsOfBundles()).kust).not.toBe(after.kust);
  });

  it("packs a link's target elsewhere in the repository with it", async () => {
    await symlink('../../shared/common.yaml', join(t.repo.workPath, 'apps/web/common.yaml'));
    await commitAndSync({ 'shared/common.yaml': CONFIGMAP('common') });
    const digest = (await artifactsOfBundles()).web;
    const { entries } = await unpack((await t.app.get(ArtifactStore).read(digest))!);
    expect(entries).toEqual([
      { path: 'apps/web/cm.yaml', kind: 'file', text: CONFIGMAP('web') },
      { path: 'apps/web/common.yaml', kind: 'symlink', text: '../../shared/common.yaml' },
      { path: 'shared/common.yaml', kind: 'file', text: CONFIGMAP('common') },
    ]);
  });

  it('serves an artifact to a cluster whose TargetSet names it; refuses and audits any other; refuses a bad credential', async () => {
    const id = credential.split('.')[0];
    const targetSet = await targetSetOf(credential, id);
    const web = targetSet.targets.find((target) => target.bundle === 'web')!;
    expect(web.artifact?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const served = await fetchArtifact(agent, credential, web.artifact!.digest);
    expect(served.status.code).toBe(grpc.status.OK);
    expect(served.data.length).toBe(Number(web.artifact!.compressedSize));
    expect((await unpack(served.data)).digest).toBe(web.artifact!.digest);

    const unknown = `sha256:${'ab'.repeat(32)}`;
    const refused = await fetchArtifact(agent, credential, unknown);
    expect(refused.status.code).toBe(grpc.status.PERMISSION_DENIED);
    const audit = await t.query<{ actor_name: string; route: string; target: string; status: number }>(
      `SELECT actor_name, route, target, status FROM audit_log WHERE route LIKE '%FetchArtifact'`,
    );
    expect(audit).toEqual([{ actor_name: 'one', route: '/gitfleet.v1.Fleet/FetchArtifact', target: unknown, status: 403 }]);

    const wrong = await fetchArtifact(agent, `${id}.not-the-secret`, web.artifact!.digest);
    expect(wrong.status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(wrong.data.length).toBe(0);
  });

  it('refuses a source over the limits as a fleet error naming the bundle; the last good commit stays', async () => {
    const packer = t.app.get(ArtifactPacker);
    const before = await artifactsOfBundles();
    packer.limits = { ...packer.limits, maxFiles: 4 };
    try {
      const commit = await commitAndSync({
        'apps/web/a.yaml': CONFIGMAP('a'),
        'apps/web/b.yaml': CONFIGMAP('b'),
        'apps/web/c.yaml': CONFIGMAP('c'),
      });
      const fleet = (await t.get<{ error: { commit: string; errors: unknown[] } | null }>('/api/v1/fleet')).body;
      expect(fleet.error?.commit).toBe(commit);
      expect(fleet.error?.errors).toEqual([
        {
          file: 'fleet/web.yaml',
          line: expect.any(Number),
          field: 'spec.source.path',
          message: expect.stringMatching(/more than 4 files/),
        },
      ]);
      expect(await artifactsOfBundles()).toEqual(before);
    } finally {
      packer.limits = { ...packer.limits, maxFiles: 20_000 };
    }
  });

  it('collects artifacts no TargetSet references once unused for an hour, keeping the referenced', async () => {
    const referenced = Object.values(await artifactsOfBundles());
    const all = (await t.query<{ digest: string }>(`SELECT digest FROM artifact`)).map((r) => r.digest);
    expect(all.length).toBeGreaterThan(referenced.length);
    await t.query(`UPDATE artifact SET used_at = now() - interval '2 hours'`);
    // Target bodies of earlier commits, which no cluster holds now, are as old: collected with them.
    await t.query(`UPDATE target_body SET created_at = now() - interval '2 hours'`);
    // Clusters hold TargetSets with the current digests (one was read above; make both current).
    await targetSetOf(other.credential, other.credential.split('.')[0]);
    const held = (
      await t.query<{ digest: string }>(
        `SELECT b.artifact_digest AS digest FROM target_set_target tt JOIN target_body b ON b.id = tt.body_id
         UNION SELECT spec -> 'source' -> 'artifact' ->> 'digest' FROM bundle`,
      )
    ).map((r) => r.digest);
    await t.app.get(TargetSetStore).collectBodies();
    const collected = await t.app.get(ArtifactStore).collect();
    const left = (await t.query<{ digest: string }>(`SELECT digest FROM artifact`)).map((r) => r.digest).sort();
    expect(left).toEqual([...new Set(held)].sort());
    expect(collected).toBe(all.length - left.length);
    // The bodies left are exactly those some cluster's target uses.
    expect(await t.query(`SELECT count(*)::int AS n FROM target_body WHERE id NOT IN (SELECT body_id FROM target_set_target)`)).toEqual([
      { n: 0 },
    ]);
  });
});
