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

const APP = (image: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-sim-kubectl-workflow-'));
  sim = await startSimCluster({ name: 'kubectl-workflow', kubeconfigPath: join(dir, 'sim.kubeconfig'), workloadReadyDelayMs: 100 });
  await writeFile(join(dir, 'app.yaml'), APP('nginx:1.25'));
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs kubectl; resolves with exit code and output instead of throwing on a non-zero exit. */
async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', sim.kubeconfigPath!, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('kubectl workflows against a simulated cluster', () => {
  it('applies, waits for the Deployment to be Available, diffs server-side and deletes with --wait', async () => {
    const applied = await kubectl('apply', '--server-side', '-f', join(dir, 'app.yaml'));
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('deployment.apps/web serverside-applied');

    const waited = await kubectl('wait', '--for=condition=Available', 'deployment/web', '-n', 'shop', '--timeout=20s');
    expect(waited).toMatchObject({ code: 0, stdout: expect.stringContaining('deployment.apps/web condition met') });

    const unchanged = await kubectl('diff', '--server-side', '-f', join(dir, 'app.yaml'));
    expect(unchanged).toMatchObject({ code: 0, stdout: '' });

    // Someone edits the ConfigMap out of band: diff shows it and exits 1.
    const edited = await kubectl('patch', 'configmap', 'settings', '-n', 'shop', '--type=merge', '-p', '{"data":{"mode":"slow"}}');
    expect(edited.code).toBe(0);
    const conflicting = await kubectl('diff', '--server-side', '-f', join(dir, 'app.yaml'));
    // As on a real cluster, the patch made kubectl-patch the owner of data.mode: a conflict, and diff reports an error (exit code above 1).
    expect(conflicting).toMatchObject({ code: 2, stderr: expect.stringContaining('conflict with "kubectl-patch"') });
    const drifted = await kubectl('diff', '--server-side', '--force-conflicts', '-f', join(dir, 'app.yaml'));
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(/-\s+mode: slow/);
    expect(drifted.stdout).toMatch(/\+\s+mode: fast/);

    const listed = await kubectl('get', 'deployments', '-n', 'shop');
    expect(listed.stdout).toMatch(/web\s+2\/2\s+2\s+2/);

    // The Namespace comes first in the file: once it is Terminating, the namespace controller
    // empties it, and on a loaded machine (a real cluster: at once) it can get to the Deployment
    // and ConfigMap before kubectl does, which then exits 1 on NotFound. A user deleting a
    // namespace with its contents says --ignore-not-found; --wait still waits for all of it.
    const deleted = await kubectl('delete', '-f', join(dir, 'app.yaml'), '--ignore-not-found', '--wait=true', '--timeout=30s');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('namespace "shop" deleted');
    const gone = await kubectl('get', 'namespace', 'shop');
    expect(gone.stderr).toMatch(/NotFound/);
  });
});
