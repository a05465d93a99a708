import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RenderKind, RenderOptions } from '#proto';
import { renderManifests } from './fetch-manifests';
import { helmCommand } from './helm-render';
import { defaultSourceLimits, SourceError } from './limits';
import { defaultRenderSettings, type RenderSettings } from './renderer-process';
import { helmBinary, helmSkipReason } from '../../../test/support/helm';

const limits = defaultSourceLimits();
let root: string;
let bin: string;

async function files(base: string, entries: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(entries)) {
    await mkdir(dirname(join(base, name)), { recursive: true });
    await writeFile(join(base, name), content);
  }
}

/** A stand-in `helm` that echoes how it was called as a ConfigMap (the real one: the describe block below). */
const FAKE_HELM = `#!/bin/sh
args="$*"
values=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--values" ]; then values="$2"; fi
  shift
done
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: rendered\\ndata:\\n'
printf '  args: "%s"\\n  proxy: "%s"\\n  cwd: "%s"\\n  env: \${cluster.labels.env}\\n' "$args" "$HTTPS_PROXY" "$(pwd)"
if [ -n "$values" ]; then echo '  values: |'; sed 's/^/    /' "$values"; fi
`;

const helm = (partial: Partial<RenderOptions> = {}): RenderOptions =>
  RenderOptions.fromPartial({ kind: RenderKind.RENDER_KIND_HELM, ...partial });
const withFakeHelm = (): RenderSettings => ({ ...defaultRenderSettings(), searchPath: bin });
const noHelm = (): RenderSettings => ({ ...defaultRenderSettings(), searchPath: '' });

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gitfleet-helm-spec-'));
  bin = await mkdtemp(join(tmpdir(), 'gitfleet-helm-bin-'));
  await files(root, {
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
    'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
  });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(bin, { recursive: true, force: true });
});

describe('Helm rendering', () => {
  it('is a clear error on the bundle, not a crash, when no helm binary is on PATH', async () => {
    const error = await renderManifests(root, 'charts/web', { render: helm(), bundle: 'web' }, limits, noHelm()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toBe('helm template of "charts/web": Helm renderer not available: no "helm" binary on PATH');
  });

  it('runs helm template offline with the release, namespace and values, and substitutes into the output', async () => {
    await files(bin, { helm: FAKE_HELM });
    await chmod(join(bin, 'helm'), 0o755);
    const manifests = await renderManifests(
      root,
      'charts/web',
      {
        render: helm({ helmValuesYaml: 'replicas: 3\n' }),
        bundle: 'web',
        defaultNamespace: 'shop',
        values: { 'cluster.labels.env': 'prod' },
      },
      limits,
      withFakeHelm(),
    );
    expect(manifests).toHaveLength(1);
    const data = manifests[0].object.data as Record<string, string>;
    expect(data.args).toMatch(/^template web \/.*\/charts\/web --namespace shop --values \/.*\/values\.yaml --include-crds --skip-tests$/);
    expect(data.proxy).toBe('http://127.0.0.1:9');
    expect(data.cwd).toMatch(/\/charts\/web$/);
    expect(data.env).toBe('prod');
    expect(data.values).toBe('replicas: 3\n');
    expect(manifests[0].file).toBe('helm template of "charts/web"');
  });

  it('prefers the release name of the render options over the bundle name', async () => {
    await files(bin, { helm: FAKE_HELM });
    await chmod(join(bin, 'helm'), 0o755);
    const manifests = await renderManifests(
      root,
      'charts/web',
      { render: helm({ helmReleaseName: 'shop-web' }), bundle: 'web', values: { 'cluster.labels.env': 'x' } },
      limits,
      withFakeHelm(),
    );
    expect((manifests[0].object.data as Record<string, string>).args).toMatch(/^template shop-web \S+ --include-crds --skip-tests$/);
  });

  it('refuses a chart whose dependency is not vendored in charts/, before running helm', async () => {
    await files(root, {
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 18.0.0\n    repository: https://charts.example.com\n',
    });
    await expect(renderManifests(root, 'charts/web', { render: helm(), bundle: 'web' }, limits, noHelm())).rejects.toThrow(
      'charts/web/Chart.yaml: dependency "redis" from "https://charts.example.com" is not vendored in charts/',
    );
  });

  it('accepts a dependency vendored as a directory or an archive', async () => {
    await files(root, {
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - {name: redis, version: 18.0.0, repository: https://charts.example.com}\n  - {name: common, version: 2.0.0, repository: "file://../common"}\n',
      'charts/web/charts/redis/Chart.yaml': 'apiVersion: v2\nname: redis\nversion: 18.0.0\n',
      'charts/web/charts/common-2.0.0.tgz': 'not really an archive',
    });
    await expect(renderManifests(root, 'charts/web', { render: helm(), bundle: 'web' }, limits, noHelm())).rejects.toThrow(
      'Helm renderer not available',
    );
  });

  it('says so when the path is not a chart', async () => {
    await files(root, { 'plain/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' });
    await expect(renderManifests(root, 'plain', { render: helm(), bundle: 'web' }, limits, noHelm())).rejects.toThrow(
      '"plain" is not a Helm chart: no Chart.yaml',
    );
  });
});

const noRealHelm = helmSkipReason();
describe.skipIf(noRealHelm !== undefined)(`Helm rendering with the real helm${noRealHelm ? ` — skipped: ${noRealHelm}` : ''}`, () => {
  const realHelm = (): RenderSettings => ({ ...defaultRenderSettings(), searchPath: dirname(helmBinary()!) });

  beforeEach(async () => {
    await files(root, {
      'charts/web/Chart.yaml':
        'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - { name: cache, version: 0.1.0, repository: https://charts.example.com }\n',
      'charts/web/values.yaml': 'replicas: 1\ngreeting: hello\n',
      'charts/web/crds/widget.yaml':
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: { kind: Widget, plural: widgets }\n  scope: Namespaced\n  versions: []\n',
      'charts/web/templates/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: {{ .Release.Name }}',
        '  namespace: {{ .Release.Namespace }}',
        'spec:',
        '  replicas: {{ .Values.replicas }}',
        '  template:',
        '    metadata:',
        '      annotations: { greeting: {{ .Values.greeting | quote }}, region: "${cluster.labels.region}" }',
        '',
      ].join('\n'),
      'charts/web/templates/tests/check.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-check\n  annotations: { helm.sh/hook: test }\n',
      'charts/web/charts/cache/Chart.yaml': 'apiVersion: v2\nname: cache\nversion: 0.1.0\n',
      'charts/web/charts/cache/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cache\ndata:\n  size: {{ .Values.size | default "small" | quote }}\n',
    });
  });

  it('renders a chart offline with its vendored dependency, CRDs, the values and the namespace, leaving out its tests', async () => {
    const manifests = await renderManifests(
      root,
      'charts/web',
      {
        render: helm({ helmReleaseName: 'shop', helmValuesYaml: 'replicas: 3\ncache:\n  size: large\n' }),
        bundle: 'web',
        defaultNamespace: 'shop',
        values: { 'cluster.labels.region': 'eu-west' },
      },
      limits,
      realHelm(),
    );
    const byKind = Object.fromEntries(manifests.map((m) => [`${m.object.kind}/${m.object.metadata.name}`, m.object]));
    expect(Object.keys(byKind).sort()).toEqual([
      'ConfigMap/shop', // templates/cm.yaml of every spec here
      'ConfigMap/shop-cache',
      'CustomResourceDefinition/widgets.example.com',
      'Deployment/shop',
    ]);
    expect(byKind['Deployment/shop']).toMatchObject({
      metadata: { namespace: 'shop' },
      spec: { replicas: 3, template: { metadata: { annotations: { greeting: 'hello', region: 'eu-west' } } } },
    });
    expect(byKind['ConfigMap/shop-cache'].data).toEqual({ size: 'large' });
    expect(manifests.every((m) => m.file === 'helm template of "charts/web"')).toBe(true);
  });

  it("reports the chart's own refusal as a SourceError on the bundle", async () => {
    await files(root, {
      'charts/web/templates/guard.yaml': '{{ if gt (int .Values.replicas) 2 }}{{ fail "replicas above 2 are not supported" }}{{ end }}\n',
    });
    const error = await renderManifests(
      root,
      'charts/web',
      { render: helm({ helmValuesYaml: 'replicas: 5\n' }), bundle: 'web' },
      limits,
      realHelm(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as Error).message).toContain('helm template of "charts/web"');
    expect((error as Error).message).toContain('replicas above 2 are not supported');
  });
});

describe('helmCommand', () => {
  it('builds the command line without a shell and with an isolated, offline environment', () => {
    const command = helmCommand(
      '/usr/local/bin/helm',
      '/co/charts/web',
      { name: 'web', namespace: 'shop', valuesYaml: 'a: 1' },
      '/tmp/s/values.yaml',
      '/tmp/s/home',
    );
    expect(command.binary).toBe('/usr/local/bin/helm');
    expect(command.args).toEqual([
      'template',
      'web',
      '/co/charts/web',
      '--namespace',
      'shop',
      '--values',
      '/tmp/s/values.yaml',
      '--include-crds',
      '--skip-tests',
    ]);
    expect(command.cwd).toBe('/co/charts/web');
    expect(command.env).toMatchObject({
      HOME: '/tmp/s/home',
      HELM_CACHE_HOME: '/tmp/s/home/cache',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      KUBECONFIG: '/tmp/s/home/none',
    });
  });

  it('leaves out --namespace and --values when there are none', () => {
    expect(helmCommand('helm', '/c', { name: 'web', namespace: '', valuesYaml: '' }, undefined, '/h').args).toEqual([
      'template',
      'web',
      '/c',
      '--include-crds',
      '--skip-tests',
    ]);
  });

  it('refuses release names and namespaces that helm would read as flags or reject', () => {
    expect(() => helmCommand('helm', '/c', { name: '--post-renderer=/bin/sh', namespace: '', valuesYaml: '' }, undefined, '/h')).toThrow(
      'Helm release name "--post-renderer=/bin/sh" is not a lowercase DNS label',
    );
    expect(() => helmCommand('helm', '/c', { name: '', namespace: '', valuesYaml: '' }, undefined, '/h')).toThrow('Helm release name ""');
    expect(() => helmCommand('helm', '/c', { name: 'web', namespace: '-n', valuesYaml: '' }, undefined, '/h')).toThrow(
      'namespace "-n" is not a valid namespace name',
    );
  });
});
