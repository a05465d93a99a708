import { readFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KustomizePatch, RenderKind, RenderOptions } from '#proto';
import { renderManifests } from './fetch-manifests';
import { wrapperKustomization } from './kustomize-render';
import { defaultSourceLimits, SourceError } from './limits';
import { defaultRenderSettings } from './renderer-process';

const limits = defaultSourceLimits();
const settings = defaultRenderSettings();
let root: string;

async function files(entries: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(entries)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
`;
const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  env: ${cluster.labels.env}\n';

const kustomize = (patches: Partial<KustomizePatch>[] = []): RenderOptions =>
  RenderOptions.fromPartial({ kind: RenderKind.RENDER_KIND_KUSTOMIZE, kustomizePatches: patches });

async function render(path: string, render = kustomize(), values?: Record<string, string>, s = settings) {
  return renderManifests(root, path, { render, values }, limits, s);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gitfleet-kustomize-spec-'));
  await files({
    'base/kustomization.yaml': 'resources: [deployment.yaml, configmap.yaml]\n',
    'base/deployment.yaml': deployment,
    'base/configmap.yaml': configMap,
    'overlays/prod/kustomization.yaml': 'resources: [../../base]\nnamespace: shop\nnamePrefix: prod-\n',
  });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Kustomize rendering', () => {
  it('renders an overlay with its base and substitutes values into the output', async () => {
    const manifests = await render('overlays/prod', kustomize(), { 'cluster.labels.env': 'prod' });
    expect(manifests.map((m) => `${m.object.kind}/${m.object.metadata.namespace}/${m.object.metadata.name}`)).toEqual([
      'ConfigMap/shop/prod-settings',
      'Deployment/shop/prod-web',
    ]);
    expect(manifests[0].object.data).toEqual({ env: 'prod' });
    expect(manifests[0].file).toBe('kustomize build of "overlays/prod"');
  });

  it("applies the target's patches in order, with their targets, without touching the checkout", async () => {
    const before = await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8');
    const manifests = await render(
      'overlays/prod',
      kustomize([
        { patch: '- op: replace\n  path: /spec/replicas\n  value: 3\n', targetKind: 'Deployment', targetName: 'prod-web' },
        { patch: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prod-settings\n  namespace: shop\ndata:\n  tier: gold\n' },
      ]),
      { 'cluster.labels.env': 'prod' },
    );
    const byKind = Object.fromEntries(manifests.map((m) => [m.object.kind, m.object]));
    expect((byKind.Deployment.spec as { replicas: number }).replicas).toBe(3);
    expect(byKind.ConfigMap.data).toEqual({ env: 'prod', tier: 'gold' });
    expect(await readFile(join(root, 'overlays/prod/kustomization.yaml'), 'utf8')).toBe(before);
  });

  it('writes the wrapper kustomization with the path as its resource and only the target fields given', () => {
    expect(
      wrapperKustomization('../../repo/app', [
        KustomizePatch.fromPartial({ patch: 'p', targetKind: 'Deployment', targetLabelSelector: 'app=web' }),
        KustomizePatch.fromPartial({ patch: 'q' }),
      ]),
    ).toBe(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../repo/app\npatches:\n  - patch: p\n    target:\n      kind: Deployment\n      labelSelector: app=web\n  - patch: q\n',
    );
  });

  it.each([
    ['https://github.com/acme/base?ref=v1'],
    ['github.com/acme/base//deploy?ref=v1'],
    ['git@github.com:acme/base.git'],
    ['ssh://git@example.com/base.git'],
  ])('refuses the remote base %s before running the renderer, naming file and field', async (url) => {
    await files({ 'remote/kustomization.yaml': `resources:\n  - ../base\n  - ${url}\n` });
    await expect(render('remote')).rejects.toThrow(`remote/kustomization.yaml: resources: remote reference "${url}" is not allowed`);
  });

  it('refuses a remote base in a kustomization reached through another one', async () => {
    await files({
      'nested/kustomization.yaml': 'resources: [../middle]\n',
      'middle/kustomization.yml': 'components:\n  - https://example.com/component.git\n',
    });
    await expect(render('nested')).rejects.toThrow(
      'middle/kustomization.yml: components: remote reference "https://example.com/component.git"',
    );
  });

  it('refuses a helm chart from a remote repository inside a kustomization', async () => {
    await files({ 'charts/kustomization.yaml': 'helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n' });
    await expect(render('charts')).rejects.toThrow('charts/kustomization.yaml: helmCharts[0].repo: remote chart repository');
  });

  it('refuses a base outside the repository, by path and by symlink', async () => {
    await files({ 'up/kustomization.yaml': 'resources: [../../outside]\n' });
    await expect(render('up')).rejects.toThrow('up/kustomization.yaml: resources: "../../outside" points outside the repository');

    const outside = await mkdtemp(join(tmpdir(), 'gitfleet-outside-'));
    try {
      await writeFile(join(outside, 'kustomization.yaml'), 'resources: []\n');
      await mkdir(join(root, 'linked'));
      await symlink(outside, join(root, 'linked/base'));
      await files({ 'linked/kustomization.yaml': 'resources: [base]\n' });
      await expect(render('linked')).rejects.toThrow('symlink resolves outside the repository');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses a patch file outside the repository', async () => {
    await files({ 'patched/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: /etc/passwd\n' });
    await expect(render('patched')).rejects.toThrow('patched/kustomization.yaml: patches: "/etc/passwd" must be a relative path');
  });

  it('names a resource that does not exist', async () => {
    await files({ 'missing/kustomization.yaml': 'resources: [gone.yaml]\n' });
    await expect(render('missing')).rejects.toThrow('missing/kustomization.yaml: resources: "gone.yaml": does not exist at this commit');
  });

  it('says so when the path has no kustomization', async () => {
    await files({ 'plain/cm.yaml': configMap });
    await expect(render('plain')).rejects.toThrow('"plain" has no kustomization.yaml, kustomization.yml, Kustomization');
  });

  it('passes a renderer failure on as a SourceError naming the bundle path', async () => {
    await files({
      'broken/kustomization.yaml': 'resources: [bad.yaml]\n',
      'broken/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [oops]\n',
    });
    const error = await render('broken').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toMatch(/^kustomize build of "broken": .*bad\.yaml/);
    expect((error as Error).message).not.toContain('command failed');
  });

  it('puts the output through the manifest limits, naming the bundle path', async () => {
    await expect(renderManifests(root, 'overlays/prod', { render: kustomize() }, { ...limits, maxDocuments: 1 }, settings)).rejects.toThrow(
      'more than 1 documents under kustomize build of "overlays/prod"',
    );
    await expect(
      renderManifests(root, 'overlays/prod', { render: kustomize() }, { ...limits, maxTotalBytes: 100 }, settings),
    ).rejects.toThrow('kustomize build of "overlays/prod": output over the limit of 100 B');
  });

  it('names unknown substitution keys in the output', async () => {
    await expect(render('overlays/prod', kustomize(), {})).rejects.toThrow(
      /kustomize build of "overlays\/prod":\d+: unknown substitution key "cluster.labels.env"/,
    );
  });

  it('is a clear error, not a crash, when no renderer is installed', async () => {
    const error = await render('overlays/prod', kustomize(), undefined, { ...settings, searchPath: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toBe(
      'kustomize build of "overlays/prod": Kustomize renderer not available: no "kustomize" or "kubectl" binary on PATH',
    );
  });
});
