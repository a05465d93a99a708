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

const workload = (kind: string, name: string, extra = '') => `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}${extra}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: app
        image: nginx:1.25
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-sim-kubectl-scale-'));
  sim = await startSimCluster({ name: 'kubectl-scale', kubeconfigPath: join(dir, 'sim.kubeconfig'), workloadReadyDelayMs: 50 });
  const manifests = [
    workload('Deployment', 'web'),
    workload('StatefulSet', 'db', '\n  serviceName: db'),
    workload('ReplicaSet', 'cache'),
  ].join('---\n');
  await writeFile(join(dir, 'app.yaml'), manifests);
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

const kubectl = async (...args: string[]) => run('kubectl', ['--kubeconfig', sim.kubeconfigPath!, ...args], { timeout: 20_000 });

describe('kubectl scale against a simulated cluster', () => {
  it('scales Deployments, StatefulSets and ReplicaSets through their autoscaling/v1 Scale and exits 0', async () => {
    await kubectl('apply', '--server-side', '-f', join(dir, 'app.yaml'));
    for (const [resource, replicas] of [
      ['deployment/web', 3],
      ['statefulset/db', 2],
      ['replicaset/cache', 0],
    ] as const) {
      const scaled = await kubectl('scale', resource, `--replicas=${replicas}`, '-n', 'default');
      expect(scaled.stdout).toContain(`${resource.replace('/', '.apps/')} scaled`);
      const live = JSON.parse((await kubectl('get', resource, '-n', 'default', '-o', 'json')).stdout) as { spec: { replicas: number } };
      expect(live.spec.replicas).toBe(replicas);
    }
    // --current-replicas makes kubectl read the Scale first and send its resourceVersion.
    const guarded = await kubectl('scale', 'deployment/web', '--current-replicas=3', '--replicas=4', '-n', 'default');
    expect(guarded.stdout).toContain('deployment.apps/web scaled');
  });
});
