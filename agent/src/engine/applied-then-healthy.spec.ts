import { afterEach, describe, expect, it } from 'vitest';
import { HealthStatus } from '#proto';
import { until } from '../testing/fake-hub';
import { actionsOf, EngineHarness } from '../testing/engine-harness';
import type { TargetSyncResult } from '../model/change-set';

const H = HealthStatus;
const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: v\n`;
const deployment = (name: string, image = 'nginx:1.27') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: { app: ${name} }\n  template:\n    metadata:\n      labels: { app: ${name} }\n    spec:\n      containers:\n        - name: main\n          image: ${image}\n`;

let h: EngineHarness;

afterEach(async () => {
  await h.stop();
});

function healthOf(result: TargetSyncResult, kind: string, name: string): HealthStatus | undefined {
  return result.changes.find((c) => c.ref.kind === kind && c.ref.name === name)?.health?.status;
}

function bundleHealth(result: TargetSyncResult): HealthStatus {
  const statuses = result.changes.flatMap((c) => (c.health ? [c.health.status] : []));
  return statuses.includes(H.HEALTH_STATUS_PROGRESSING) ? H.HEALTH_STATUS_PROGRESSING : H.HEALTH_STATUS_HEALTHY;
}

describe('applied and healthy are two facts', () => {
  it('a sync reports the moment its apply ends, the workload Progressing; Healthy comes later as a health report', async () => {
    // Pods become Ready 1.5 s after they are created: far longer than applying three objects.
    h = await EngineHarness.start({ sim: { workloadReadyDelayMs: 1_500 } });
    const commit = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('config'), deployment('web')].join('---\n') });
    await h.push(h.target(commit, 'web'));

    const [synced] = h.finals('web');
    expect(synced).toMatchObject({ phase: 'synced', commit });
    expect(actionsOf(synced)).toEqual({ 'Namespace/web': 'created', 'ConfigMap/web/config': 'created', 'Deployment/web/web': 'created' });
    expect(healthOf(synced, 'Deployment', 'web')).toBe(H.HEALTH_STATUS_PROGRESSING);
    expect(healthOf(synced, 'ConfigMap', 'config')).toBe(H.HEALTH_STATUS_HEALTHY);

    await until(() => h.reports('web', 'health').some((r) => healthOf(r, 'Deployment', 'web') === H.HEALTH_STATUS_HEALTHY), 10_000);
    const healthy = h.reports('web', 'health').find((r) => healthOf(r, 'Deployment', 'web') === H.HEALTH_STATUS_HEALTHY)!;
    expect(healthy).toMatchObject({ phase: 'synced', commit });
    expect(h.results.indexOf(healthy)).toBeGreaterThan(h.results.indexOf(synced));
  });

  it('a commit that only prunes reports at once, though a workload of the bundle never becomes ready', async () => {
    // An image that cannot be pulled, and a progress deadline of 600 spec seconds = 10 minutes.
    h = await EngineHarness.start({ sim: { workloadReadyDelayMs: 50, specSecondMs: 1_000 } });
    const first = await h.repo.commit({
      'apps/web/all.yaml': [ns('web'), cm('a'), cm('b'), deployment('web', 'nginx:fail-pull')].join('---\n'),
    });
    const target = (commit: string) => h.target(commit, 'web', { syncPolicy: { prune: true, selfHeal: false } });
    await h.push(target(first));
    expect(h.finals('web')[0]).toMatchObject({ phase: 'synced' });

    const second = await h.repo.commit({ 'apps/web/all.yaml': [ns('web'), cm('a'), deployment('web', 'nginx:fail-pull')].join('---\n') });
    await h.push(target(second));
    const pruned = h.finals('web').at(-1)!;
    expect(pruned).toMatchObject({ phase: 'synced', commit: second });
    expect(actionsOf(pruned)['ConfigMap/web/b']).toBe('deleted');
    expect(healthOf(pruned, 'Deployment', 'web')).toBe(H.HEALTH_STATUS_PROGRESSING);
    expect(await h.live('v1', 'ConfigMap', 'b', 'web')).toBeUndefined();
  });

  it('dependsOn waits for health, not for the phase: the dependent syncs only after the Healthy report', async () => {
    h = await EngineHarness.start({ sim: { workloadReadyDelayMs: 1_500 } });
    const commit = await h.repo.commit({ 'apps/db/all.yaml': [ns('db'), deployment('db')].join('---\n'), 'apps/app/all.yaml': cm('app') });
    await h.engine.takeTargetSet({
      revision: '1',
      checksum: 'x',
      targets: [h.target(commit, 'app', { dependsOn: ['db'], defaultNamespace: 'db' }), h.target(commit, 'db')],
      baseChecksum: '',
      keptBundles: [],
    });
    await until(() => h.finals('app').some((r) => r.phase === 'synced'), 10_000);

    const dbSynced = h.results.findIndex((r) => r.bundle === 'db' && r.phase === 'synced' && (r.reason ?? 'sync') === 'sync');
    const dbHealthy = h.results.findIndex((r) => r.bundle === 'db' && r.reason === 'health' && bundleHealth(r) === H.HEALTH_STATUS_HEALTHY);
    const appStarted = h.results.findIndex((r) => r.bundle === 'app' && r.phase === 'progressing');
    expect(bundleHealth(h.results[dbSynced])).toBe(H.HEALTH_STATUS_PROGRESSING);
    expect(dbHealthy).toBeGreaterThan(dbSynced);
    expect(appStarted).toBeGreaterThan(dbHealthy);
  });
});
