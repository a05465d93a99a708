import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from './config-file';
import { SourceError, type SourceLimits } from './limits';
import { confined, listManifestFiles } from './manifest-files';
import { findExecutable, offlineEnvironment, runRenderer, type RenderCommand, type RenderSettings } from './renderer-process';

export interface HelmRelease {
  /** Release name (`.Release.Name`). */
  name: string;
  /** `--namespace`; empty leaves helm's default. */
  namespace: string;
  /** One YAML document of values, as the hub merged it; empty for the chart's defaults. */
  valuesYaml: string;
}

/** Helm's own rule for release names (a DNS label of at most 53 characters). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Renders the chart at `path` (repository-relative) of a checkout with `helm template`, offline:
 * the chart may not hold a symlink leading out of the checkout, and every dependency must be
 * vendored under charts/ (nothing is fetched). A missing `helm` binary is a SourceError.
 */
export async function renderHelm(
  checkoutRoot: string,
  path: string,
  release: HelmRelease,
  limits: SourceLimits,
  settings: RenderSettings,
): Promise<string> {
  const what = `helm template of "${path || '.'}"`;
  const root = await realpath(checkoutRoot);
  // Walking the chart with the manifest lister confines every symlink and bounds template sizes.
  await listManifestFiles(root, path, limits);
  const chart = await confined(root, join(root, path), path || '.');
  await checkVendoredDependencies(chart, path || '.', limits);
  const helm = await findExecutable('helm', settings.searchPath);
  if (!helm) throw new SourceError(`${what}: Helm renderer not available: no "helm" binary on PATH`);

  const scratch = await realpath(await mkdtemp(join(tmpdir(), 'gitfleet-helm-')));
  try {
    const valuesFile = release.valuesYaml.trim() === '' ? undefined : join(scratch, 'values.yaml');
    if (valuesFile) await writeFile(valuesFile, release.valuesYaml, { mode: 0o600 });
    const home = join(scratch, 'home');
    await mkdir(home);
    return await runRenderer(helmCommand(helm, chart, release, valuesFile, home), what, settings.timeoutMs, limits.maxTotalBytes);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The `helm template` command line (pure). CRDs from crds/ are included (they are part of the
 * bundle); chart tests are skipped (they are run by `helm test`, never applied).
 */
export function helmCommand(
  helm: string,
  chartDir: string,
  release: HelmRelease,
  valuesFile: string | undefined,
  home: string,
): RenderCommand {
  if (!RELEASE_NAME.test(release.name)) {
    throw new SourceError(`Helm release name "${release.name}" is not a lowercase DNS label of at most 53 characters`);
  }
  if (release.namespace !== '' && !NAMESPACE.test(release.namespace)) {
    throw new SourceError(`namespace "${release.namespace}" is not a valid namespace name`);
  }
  const args = ['template', release.name, chartDir];
  if (release.namespace) args.push('--namespace', release.namespace);
  if (valuesFile) args.push('--values', valuesFile);
  args.push('--include-crds', '--skip-tests');
  const env = offlineEnvironment(home, {
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: join(home, 'none'),
  });
  return { binary: helm, args, cwd: chartDir, env };
}

interface ChartDependency {
  name: string;
  repository?: string;
}

/** Refuses a chart whose Chart.yaml (or v1 requirements.yaml) lists a dependency missing from charts/. */
async function checkVendoredDependencies(chartDir: string, shown: string, limits: SourceLimits): Promise<void> {
  const chartFile = await readConfigFile(join(chartDir, 'Chart.yaml'), `${shown}/Chart.yaml`, limits);
  if (chartFile === undefined) throw new SourceError(`"${shown}" is not a Helm chart: no Chart.yaml`);
  const requirements = await readConfigFile(join(chartDir, 'requirements.yaml'), `${shown}/requirements.yaml`, limits);
  const dependencies = [...dependencyList(chartFile), ...dependencyList(requirements)];
  if (dependencies.length === 0) return;
  const vendored = await readdir(join(chartDir, 'charts')).catch(() => [] as string[]);
  for (const dependency of dependencies) {
    const present = vendored.some(
      (entry) => entry === dependency.name || (entry.startsWith(`${dependency.name}-`) && entry.endsWith('.tgz')),
    );
    if (!present) {
      const from = dependency.repository ? ` from "${dependency.repository}"` : '';
      throw new SourceError(
        `${shown}/Chart.yaml: dependency "${dependency.name}"${from} is not vendored in charts/ (chart dependencies are never fetched)`,
      );
    }
  }
}

function dependencyList(file: Record<string, unknown> | undefined): ChartDependency[] {
  const list = file?.dependencies;
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) => (typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {}))
    .filter((entry) => typeof entry.name === 'string')
    .map((entry) => ({ name: entry.name as string, repository: typeof entry.repository === 'string' ? entry.repository : undefined }));
}
