import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RenderKind, RenderOptions } from '#proto';
import { BareRepo } from '../../../test/support/git';
import { fetchManifests } from './fetch-manifests';
import { GitCache } from './git-cache';
import { defaultSourceLimits, SourceError } from './limits';

const limits = defaultSourceLimits();
const cm = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${value}"\n`;

let repo: BareRepo;
let cacheDir: string;
let cache: GitCache;

beforeEach(async () => {
  repo = await BareRepo.create();
  cacheDir = await mkdtemp(join(tmpdir(), 'gitfleet-fetch-'));
  cache = new GitCache(cacheDir);
});
afterEach(async () => {
  await repo.remove();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('fetchManifests', () => {
  it('reads plain YAML for callers that pass only repository, commit and path, substituting nothing', async () => {
    const commit = await repo.commit({ 'apps/web/cm.yaml': cm('web', '${cluster.name}') });
    const manifests = await fetchManifests(cache, { repoUrl: repo.url, commit, path: 'apps/web' }, limits);
    expect(manifests.map((m) => m.object.data)).toEqual([{ v: '${cluster.name}' }]);
  });

  it("substitutes the target's values into plain YAML and names an unknown key with file and line", async () => {
    const commit = await repo.commit({ 'apps/web/cm.yaml': cm('web', '${cluster.name}'), 'apps/web/z.yaml': cm('z', '${cluster.zone}') });
    const source = { repoUrl: repo.url, commit, path: 'apps/web', values: { 'cluster.name': 'eu-1' } };
    await expect(fetchManifests(cache, source, limits)).rejects.toThrow('apps/web/z.yaml:6: unknown substitution key "cluster.zone"');
    const fixed = await repo.commit({ 'apps/web/z.yaml': null });
    const manifests = await fetchManifests(cache, { ...source, commit: fixed }, limits);
    expect(manifests.map((m) => m.object.data)).toEqual([{ v: 'eu-1' }]);
  });

  it.each([['../other'], ['apps/../../etc'], ['/etc'], ['apps/.git/config']])(
    'refuses the path %s before reading anything',
    async (path) => {
      const commit = await repo.commit({ 'apps/web/cm.yaml': cm('web', '1') });
      const error = await fetchManifests(cache, { repoUrl: repo.url, commit, path }, limits).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect((error as Error).message).toMatch(/^source path ".*" must/);
    },
  );

  it("renders a kustomization from the checkout with the target's patches and values", async () => {
    const commit = await repo.commit({
      'apps/web/kustomization.yaml': 'resources: [cm.yaml]\nnamespace: shop\n',
      'apps/web/cm.yaml': cm('web', '${cluster.name}'),
    });
    const render = RenderOptions.fromPartial({
      kind: RenderKind.RENDER_KIND_KUSTOMIZE,
      kustomizePatches: [{ patch: '- op: add\n  path: /data/extra\n  value: "yes"\n', targetKind: 'ConfigMap' }],
    });
    const manifests = await fetchManifests(
      cache,
      { repoUrl: repo.url, commit, path: 'apps/web', render, values: { 'cluster.name': 'eu-1' } },
      limits,
    );
    expect(manifests.map((m) => [m.object.metadata.namespace, m.object.data])).toEqual([['shop', { v: 'eu-1', extra: 'yes' }]]);
  });

  it('fails the bundle with a SourceError when its renderer is missing', async () => {
    const commit = await repo.commit({ 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' });
    const render = RenderOptions.fromPartial({ kind: RenderKind.RENDER_KIND_HELM });
    const error = await fetchManifests(cache, { repoUrl: repo.url, commit, path: 'charts/web', render, bundle: 'web' }, limits, {
      searchPath: '',
      timeoutMs: 1000,
      allowRemoteBases: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toContain('Helm renderer not available: no "helm" binary on PATH');
  });
});
