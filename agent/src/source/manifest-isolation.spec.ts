import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSourceLimits, SourceError } from './limits';
import { readIsolated } from './manifest-isolation';
import { ManifestError } from './manifest-reader';

const limits = defaultSourceLimits();
let root: string;

const cm = (name: string, data = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${data}`;
/** A ConfigMap of `keys` entries: seconds of parsing for the YAML library, within every size limit. */
const heavy = (keys: number): string => cm('heavy', `data:\n${Array.from({ length: keys }, (_, i) => `  k${i}: "v${i}"\n`).join('')}`);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gitfleet-isolated-'));
  await mkdir(join(root, 'app'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('reading manifests in a worker thread', () => {
  it('answers with the manifests, with values substituted, as the reader does', async () => {
    await writeFile(join(root, 'app/a.yaml'), cm('a', 'data:\n  env: ${cluster.labels.env}\n'));
    const manifests = await readIsolated(
      { kind: 'files', checkoutRoot: root, sourcePath: 'app', limits, values: { 'cluster.labels.env': 'prod' } },
      '"app"',
    );
    expect(manifests).toEqual([
      { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { env: 'prod' } }, file: 'app/a.yaml', line: 1 },
    ]);
  });

  it('gives back invalid manifests as the same errors, every problem with file and line', async () => {
    const text = `${cm('a')}---\nkind: ConfigMap\n---\na: [\n`;
    const error = await readIsolated({ kind: 'text', text, name: 'helm template of "app"', limits }, 'helm template of "app"').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems).toEqual([
      'helm template of "app":6: not a Kubernetes object: missing apiVersion, metadata.name',
      expect.stringMatching(/^helm template of "app":9: invalid YAML: Flow sequence/),
    ]);
  });

  it('refuses a target over its time budget while the event loop goes on', async () => {
    const budget = { ...limits, maxParseMs: 300 };
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const text = heavy(120_000);
      await expect(
        readIsolated({ kind: 'text', text, name: 'kustomize build of "app"', limits: budget }, 'kustomize build of "app"'),
      ).rejects.toThrow(new SourceError('kustomize build of "app": reading the manifests took longer than the budget of 0.3 s'));
    } finally {
      clearInterval(ticker);
    }
    // Blocked, the timer could not have fired at all while the text was parsed.
    expect(ticks).toBeGreaterThan(5);
  });

  it('refuses a target whose reading needs more heap than its budget, and the next read still works', async () => {
    const budget = { ...limits, maxParseHeapMb: 24 };
    await writeFile(join(root, 'app/big.yaml'), heavy(150_000));
    await expect(readIsolated({ kind: 'files', checkoutRoot: root, sourcePath: 'app', limits: budget }, '"app"')).rejects.toThrow(
      new SourceError('"app": reading the manifests needed more than the budget of 24 MiB'),
    );
    await writeFile(join(root, 'app/big.yaml'), cm('small'));
    const manifests = await readIsolated({ kind: 'files', checkoutRoot: root, sourcePath: 'app', limits: budget }, '"app"');
    expect(manifests.map((m) => m.object.metadata.name)).toEqual(['small']);
  });
});
