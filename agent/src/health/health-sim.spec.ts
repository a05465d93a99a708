import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '#kube-sim';
import { assessHealth, healthName, worstHealth, type HealthAssessment, type KubeObjectLike } from './index';

let cluster: SimCluster;

beforeAll(async () => {
  // 5 ms per spec second: a 60 s progress deadline runs out after 0.3 s.
  cluster = await startSimCluster({ name: 'health-test', workloadReadyDelayMs: 300, specSecondMs: 5 });
});

afterAll(async () => {
  await cluster.stop();
});

async function request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${cluster.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

async function liveDeployment(name: string): Promise<KubeObjectLike | undefined> {
  const { status, json } = await request('GET', `${DEPLOYMENTS}/${name}`);
  return status === 404 ? undefined : (json as KubeObjectLike);
}

async function livePods(app: string): Promise<KubeObjectLike[]> {
  const { json } = await request('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`);
  return (json as { items: KubeObjectLike[] }).items.map((pod) => ({ ...pod, apiVersion: 'v1', kind: 'Pod' }));
}

function deployment(name: string, image: string): KubeObjectLike {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 60,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

/** Polls until `check` holds for the assessment, returning every health name seen on the way. */
async function healthUntil(
  read: () => Promise<HealthAssessment>,
  done: (a: HealthAssessment) => boolean,
): Promise<{ seen: string[]; last: HealthAssessment }> {
  const seen: string[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const last = await read();
    if (seen.at(-1) !== healthName(last.status)) seen.push(healthName(last.status));
    if (done(last) || Date.now() > deadline) return { seen, last };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('assessHealth against the simulator', () => {
  it('sees a Deployment go Missing → Progressing → Healthy as it becomes available', async () => {
    expect(healthName(assessHealth(await liveDeployment('web')).status)).toBe('Missing');
    expect((await request('POST', DEPLOYMENTS, deployment('web', 'nginx:1.27'))).status).toBe(201);

    const { seen, last } = await healthUntil(
      async () => assessHealth(await liveDeployment('web')),
      (a) => healthName(a.status) === 'Healthy',
    );
    expect(seen).toEqual(['Progressing', 'Healthy']);
    expect(last.message).toContain('2 of 2 replicas available');
    expect(healthName(worstHealth((await livePods('web')).map(assessHealth)).status)).toBe('Healthy');
  });

  it('calls a Deployment whose image cannot be pulled Degraded, with the reason on its pods', async () => {
    expect((await request('POST', DEPLOYMENTS, deployment('broken', 'nginx:fail-pull'))).status).toBe(201);

    const rollout = await healthUntil(
      async () => assessHealth(await liveDeployment('broken')),
      (a) => healthName(a.status) === 'Degraded',
    );
    expect(rollout.seen).toEqual(['Progressing', 'Degraded']);
    expect(rollout.last.message).toMatch(/^Deployment "broken": ProgressDeadlineExceeded: /);

    const pods = worstHealth((await livePods('broken')).map(assessHealth));
    expect(healthName(pods.status)).toBe('Degraded');
    expect(pods.message).toMatch(/^Pod "broken-[a-z0-9-]+": container "app": (ErrImagePull|ImagePullBackOff)/);
  });

  it('calls the pods of a Deployment whose container keeps crashing Degraded with CrashLoopBackOff', async () => {
    expect((await request('POST', DEPLOYMENTS, deployment('crashy', 'busybox:crash-loop'))).status).toBe(201);
    const { last } = await healthUntil(
      async () => worstHealth((await livePods('crashy')).map(assessHealth)),
      (a) => a.message.includes('CrashLoopBackOff'),
    );
    expect(healthName(last.status)).toBe('Degraded');
    expect(last.message).toMatch(/^Pod "crashy-[a-z0-9-]+": container "app": CrashLoopBackOff/);
  });

  it('calls a Job whose container keeps failing Degraded with BackoffLimitExceeded', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: {
        backoffLimit: 1,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'busybox:crash-loop' }] } },
      },
    };
    expect((await request('POST', '/apis/batch/v1/namespaces/default/jobs', job)).status).toBe(201);
    const read = async (): Promise<HealthAssessment> => {
      const { json } = await request('GET', '/apis/batch/v1/namespaces/default/jobs/migrate');
      return assessHealth(json as KubeObjectLike);
    };
    const { seen, last } = await healthUntil(read, (a) => healthName(a.status) === 'Degraded');
    expect(seen).toEqual(['Progressing', 'Degraded']);
    expect(last.message).toMatch(/^Job "migrate": BackoffLimitExceeded/);
  });
});
