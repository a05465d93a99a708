import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster, startSimCluster } from '../index';

const run = promisify(execFile);
let sim: SimCluster;
let dir: string;

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: demo
data:
  a: "1"
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-sim-kubectl-'));
  // The kubeconfig's directory does not exist yet: the simulator makes it.
  sim = await startSimCluster({ name: 'kubectl', kubeconfigPath: join(dir, 'not-yet-made', 'sim.kubeconfig') });
  await writeFile(join(dir, 'app.yaml'), MANIFEST);
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

const kubectl = async (...args: string[]) =>
  (await run('kubectl', ['--kubeconfig', sim.kubeconfigPath!, ...args], { timeout: 20_000 })).stdout;

describe('kubectl against a simulated cluster', () => {
  it('applies server-side, reads back and deletes', async () => {
    expect(await kubectl('apply', '--server-side', '-f', join(dir, 'app.yaml'))).toContain('configmap/settings serverside-applied');
    const live = JSON.parse(await kubectl('get', 'configmap', 'settings', '-n', 'demo', '-o', 'json', '--show-managed-fields')) as {
      data: object;
      metadata: { managedFields: { manager: string }[] };
    };
    expect(live.data).toEqual({ a: '1' });
    expect(live.metadata.managedFields[0].manager).toBe('kubectl');
    expect(await kubectl('get', 'namespaces')).toMatch(/demo\s/);
    expect(await kubectl('delete', 'configmap', 'settings', '-n', 'demo')).toContain('deleted');
    await expect(kubectl('get', 'configmap', 'settings', '-n', 'demo')).rejects.toThrow(/NotFound/);
  });
});
