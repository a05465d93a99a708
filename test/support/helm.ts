/**
 * The real `helm` binary for tests, found through one variable, like the real control plane:
 *
 *   GITFLEET_HELM=<path to helm>   `.ci/run` sets it after `bash .ci/get-tools` put helm into
 *                                  .gitfleet/tools/ (developers: the same one-liner).
 *
 * Without it, `helm` on PATH or .gitfleet/tools/helm is used; with none of them the tests that
 * need helm skip, saying so (`helmSkipReason`). Every run gets Helm homes of its own in a
 * scratch directory, so nothing of the user's Helm configuration or repositories leaks in.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const HELM_ENV = 'GITFLEET_HELM';
export const CHARTS_DIR = join(__dirname, '../../charts');
const REPO_TOOLS_HELM = join(__dirname, '../../.gitfleet/tools/helm');

/** The helm binary tests use, or undefined when there is none. */
export function helmBinary(): string | undefined {
  const configured = process.env[HELM_ENV];
  if (configured) return existsSync(configured) ? configured : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'helm'))) return join(dir, 'helm');
  return existsSync(REPO_TOOLS_HELM) ? REPO_TOOLS_HELM : undefined;
}

/** Why helm tests are skipped here, or undefined when they can run. */
export function helmSkipReason(): string | undefined {
  const configured = process.env[HELM_ENV];
  if (configured && !existsSync(configured)) return `${HELM_ENV}=${configured} does not exist: helm tests skipped`;
  if (helmBinary() === undefined)
    return `no helm (${HELM_ENV} unset, none on PATH nor in .gitfleet/tools): helm tests skipped (bash .ci/get-tools fetches it)`;
  return undefined;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Values as helm takes them: a values file (YAML) and `--set` / `--set-string` pairs. */
export interface HelmValues {
  values?: Record<string, unknown>;
  set?: Record<string, string>;
  setString?: Record<string, string>;
}

/** Runs helm with its own homes and no kubeconfig unless one is given; never throws on a non-zero exit. */
export async function runHelm(args: string[], options: { kubeconfigPath?: string } = {}): Promise<HelmResult> {
  const helm = helmBinary();
  if (!helm) throw new Error(helmSkipReason());
  const home = await mkdtemp(join(tmpdir(), 'gitfleet-helm-home-'));
  try {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      KUBECONFIG: options.kubeconfigPath ?? join(home, 'no-kubeconfig'),
    };
    return await new Promise<HelmResult>((resolve, reject) => {
      execFile(helm, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error instanceof Error ? error : new Error(String(error)));
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Runs helm with the values written to a scratch file and given as --set flags. */
export async function runHelmWithValues(
  args: string[],
  values: HelmValues,
  options: { kubeconfigPath?: string } = {},
): Promise<HelmResult> {
  const dir = await mkdtemp(join(tmpdir(), 'gitfleet-helm-values-'));
  try {
    const file = join(dir, 'values.yaml');
    await writeFile(file, stringify(values.values ?? {}));
    const flags = ['--values', file];
    for (const [key, value] of Object.entries(values.set ?? {})) flags.push('--set', `${key}=${value}`);
    for (const [key, value] of Object.entries(values.setString ?? {})) flags.push('--set-string', `${key}=${value}`);
    return await runHelm([...args, ...flags], options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `helm template` of a chart of charts/; rejects with helm's own message when it refuses. */
export async function helmTemplate(chart: string, release: string, namespace: string, values: HelmValues = {}): Promise<RenderedObject[]> {
  const result = await runHelmWithValues(['template', release, join(CHARTS_DIR, chart), '--namespace', namespace], values);
  if (result.code !== 0) throw new Error(result.stderr.trim() || `helm template exited with ${result.code}`);
  return parseManifests(result.stdout);
}

/** The objects of a multi-document YAML stream (read as YAML 1.1, like helm and kubectl), empty documents left out; a YAML error throws. */
export function parseManifests(text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const document of parseAllDocuments(text, { version: '1.1' })) {
    if (document.errors.length > 0) throw new Error(`invalid YAML rendered: ${document.errors[0].message}`);
    const object = document.toJS() as RenderedObject | null;
    if (object !== null) objects.push(object);
  }
  return objects;
}
