import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  V1Deployment,
  V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster, startSimCluster } from '../index';

let sim: SimCluster;
let objects: KubernetesObjectApi;
let apps: AppsV1Api;
let core: CoreV1Api;
let batch: BatchV1Api;
let watcher: Watch;
const NS = 'failures';

beforeAll(async () => {
  // A spec second lasts 2 ms: the default 600 s progress deadline passes in 1.2 s.
  sim = await startSimCluster({ name: 'failures', workloadReadyDelayMs: 20, specSecondMs: 2 });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig);
  objects = KubernetesObjectApi.makeApiClient(kc);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  watcher = new Watch(kc);
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});
afterAll(async () => {
  await sim.stop();
});

const apply = (obj: Record<string, unknown>) =>
  objects.patch(obj as never, undefined, undefined, 'spec', true, PatchStrategy.ServerSideApply);

function deployment(name: string, image: string, replicas = 2): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached; last value: ${JSON.stringify(value).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const condition = (d: V1Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);
const podsOf = async (app: string) => (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` })).items;
const waiting = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;

describe('workloads told to fail by their image', () => {
  it('a Deployment whose image cannot be pulled: Pods Pending in ImagePullBackOff, then ProgressDeadlineExceeded', async () => {
    const seen = new Set<string | undefined>();
    const watch = await watcher.watch(
      `/api/v1/namespaces/${NS}/pods`,
      { labelSelector: 'app=no-pull' },
      (_type: string, pod: V1Pod) => seen.add(waiting(pod)),
      () => {},
    );
    await apply(deployment('no-pull', 'registry.example/app:fail-pull'));
    const pods = await eventually(
      () => podsOf('no-pull'),
      (items) => items.length === 2 && items.every((p) => waiting(p) === 'ImagePullBackOff'),
    );
    watch.abort();
    // The kubelet's first attempt fails with ErrImagePull; it then backs off.
    expect([...seen]).toEqual([undefined, 'ErrImagePull', 'ImagePullBackOff']);
    expect(pods[0].status?.phase).toBe('Pending');
    expect(pods[0].status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('Back-off pulling image "registry.example/app:fail-pull"');

    const stuck = await eventually(
      () => apps.readNamespacedDeployment({ name: 'no-pull', namespace: NS }),
      (d) => condition(d, 'Progressing')?.status === 'False',
    );
    expect(condition(stuck, 'Progressing')).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      message: expect.stringMatching(/^ReplicaSet "no-pull-\w+" has timed out progressing\.$/),
    });
    expect(condition(stuck, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(stuck.status).toMatchObject({
      observedGeneration: stuck.metadata?.generation,
      replicas: 2,
      updatedReplicas: 2,
      unavailableReplicas: 2,
    });
    expect(stuck.status?.readyReplicas).toBeUndefined();
  });

  it('a crash-looping Deployment: Running Pods, never Ready, restartCount growing', async () => {
    await apply(deployment('crasher', 'busybox:crash-loop', 1));
    const first = await eventually(
      () => podsOf('crasher'),
      (items) => items.length === 1 && waiting(items[0]) === 'CrashLoopBackOff',
    );
    const later = await eventually(
      () => podsOf('crasher'),
      (items) => (items[0]?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
    );
    expect(later[0].status?.containerStatuses?.[0]?.restartCount).toBeGreaterThan(
      first[0].status?.containerStatuses?.[0]?.restartCount ?? 0,
    );
    expect(later[0].status).toMatchObject({
      phase: 'Running',
      containerStatuses: [{ ready: false, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }],
    });
    expect(later[0].status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
  });

  it('a rolling update to a broken image keeps the old Pods serving and stalls at maxSurge', async () => {
    await apply(deployment('web', 'nginx:1.25', 4));
    await eventually(
      () => apps.readNamespacedDeployment({ name: 'web', namespace: NS }),
      (d) => condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable',
    );
    await apply(deployment('web', 'nginx:fail-pull', 4));
    const stalled = await eventually(
      () => apps.readNamespacedDeployment({ name: 'web', namespace: NS }),
      (d) => condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
    );
    // 25% of 4: one Pod may surge, one may be unavailable — so 3 old Pods stay and 2 new ones fail.
    const sets = (await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: 'app=web' })).items;
    const byImage = Object.fromEntries(sets.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.spec?.replicas]));
    expect(byImage).toEqual({ 'nginx:1.25': 3, 'nginx:fail-pull': 2 });
    expect(stalled.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(stalled.status).toMatchObject({
      observedGeneration: 2,
      replicas: 5,
      updatedReplicas: 2,
      availableReplicas: 3,
      unavailableReplicas: 2,
    });
    expect(condition(stalled, 'Available')?.status).toBe('True');
  });

  it('a Job whose Pods keep failing: replaced until the backoff limit, then Failed BackoffLimitExceeded', async () => {
    await apply({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: NS },
      spec: {
        backoffLimit: 2,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'migrate:crash-loop' }] } },
      },
    });
    const failed = await eventually(
      () => batch.readNamespacedJob({ name: 'migrate', namespace: NS }),
      (j) => (j.status?.conditions ?? []).length > 0,
    );
    expect(failed.status?.conditions?.[0]).toMatchObject({
      type: 'Failed',
      status: 'True',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(failed.status?.failed).toBe(3);
    expect(failed.status?.active).toBeUndefined();
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=migrate' })).items;
    expect(pods.map((p) => p.status?.phase)).toEqual(['Failed', 'Failed', 'Failed']);
  });

  it('a StatefulSet whose first Pod cannot start creates no further Pods', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: NS },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:crash-loop' }] } },
      },
    });
    await eventually(
      () => podsOf('db'),
      (items) => items.length === 1 && waiting(items[0]) === 'CrashLoopBackOff',
    );
    await new Promise((r) => setTimeout(r, 100));
    const set = await apps.readNamespacedStatefulSet({ name: 'db', namespace: NS });
    expect((await podsOf('db')).map((p) => p.metadata?.name)).toEqual(['db-0']);
    expect(set.status).toMatchObject({ replicas: 1, availableReplicas: 0, observedGeneration: 1 });
    expect(set.status?.readyReplicas).toBeUndefined();
  });

  it('a healthy StatefulSet comes up in order and rolls a template change from the highest ordinal', async () => {
    const sts = (image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'cache', namespace: NS },
      spec: {
        replicas: 2,
        serviceName: 'cache',
        selector: { matchLabels: { app: 'cache' } },
        template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'c', image }] } },
      },
    });
    await apply(sts('redis:7'));
    const up = await eventually(
      () => apps.readNamespacedStatefulSet({ name: 'cache', namespace: NS }),
      (s) => s.status?.readyReplicas === 2,
    );
    await apply(sts('redis:8'));
    const rolled = await eventually(
      () => apps.readNamespacedStatefulSet({ name: 'cache', namespace: NS }),
      (s) => s.status?.updatedReplicas === 2 && s.status?.readyReplicas === 2,
    );
    expect(rolled.status?.currentRevision).toBe(rolled.status?.updateRevision);
    expect(rolled.status?.updateRevision).not.toBe(up.status?.updateRevision);
    expect(rolled.status?.observedGeneration).toBe(2);
    expect((await podsOf('cache')).map((p) => p.spec?.containers[0]?.image)).toEqual(['redis:8', 'redis:8']);
  });

  it('a crash-looping DaemonSet reports its one Pod unavailable', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:crash-loop' }] } },
      },
    });
    await eventually(
      () => podsOf('agent'),
      (items) => items.length === 1 && waiting(items[0]) === 'CrashLoopBackOff',
    );
    const ds = await apps.readNamespacedDaemonSet({ name: 'agent', namespace: NS });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 0, numberUnavailable: 1 });
  });
});
