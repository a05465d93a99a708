import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HealthStatus } from '#proto';
import { assessHealth, healthName, worstHealth, type HealthAssessment, type KubeObjectLike } from './index';

const TESTDATA = join(__dirname, 'testdata');

function assess(file: string): HealthAssessment {
  return assessHealth(parse(readFileSync(join(TESTDATA, file), 'utf8')) as KubeObjectLike);
}

type Name = ReturnType<typeof healthName>;

/** `<kind>-<state>.yaml → health`, and the words the message must carry. */
const CASES: [file: string, health: Name, message?: string][] = [
  ['deployment-healthy.yaml', 'Healthy'],
  ['deployment-progressing.yaml', 'Progressing', 'Deployment "web": 1 of 3 replicas updated'],
  ['deployment-old-replicas.yaml', 'Progressing', '1 old replicas pending termination'],
  ['deployment-unavailable.yaml', 'Progressing', '2 of 3 updated replicas available'],
  ['deployment-generation-lag.yaml', 'Progressing', 'observe generation 3'],
  ['deployment-deadline-exceeded.yaml', 'Degraded', 'Deployment "web": ProgressDeadlineExceeded: ReplicaSet "web-7d4b9c" has timed out'],
  ['deployment-replica-failure.yaml', 'Degraded', 'Deployment "web": FailedCreate: pods "web-7d4b9c-" is forbidden'],
  ['deployment-paused.yaml', 'Suspended', 'rollout is paused'],
  ['deployment-deleting.yaml', 'Progressing', 'Deployment "web": being deleted'],
  ['deployment-scaled-to-zero.yaml', 'Healthy'],
  ['statefulset-healthy.yaml', 'Healthy'],
  ['statefulset-progressing.yaml', 'Progressing', '2 of 3 pods ready'],
  ['statefulset-rolling.yaml', 'Progressing', '1 of 3 pods at revision db-9a1'],
  ['statefulset-partition-done.yaml', 'Healthy', 'partitioned rollout complete'],
  ['statefulset-partition-pending.yaml', 'Progressing', '1 of 2 pods above partition 1 updated'],
  ['statefulset-ondelete.yaml', 'Healthy', 'OnDelete'],
  ['daemonset-healthy.yaml', 'Healthy'],
  ['daemonset-progressing.yaml', 'Progressing', '1 of 2 pods updated'],
  ['daemonset-unavailable.yaml', 'Progressing', '1 of 2 pods available'],
  ['daemonset-ondelete.yaml', 'Healthy', 'OnDelete'],
  ['replicaset-healthy.yaml', 'Healthy'],
  ['replicaset-progressing.yaml', 'Progressing', '1 of 2 replicas available'],
  ['replicaset-failure.yaml', 'Degraded', 'FailedCreate: exceeded quota'],
  ['pod-running.yaml', 'Healthy'],
  ['pod-pending.yaml', 'Progressing', 'Pending'],
  ['pod-unschedulable.yaml', 'Progressing', 'Unschedulable: 0/3 nodes are available'],
  ['pod-not-ready.yaml', 'Progressing', 'ContainersNotReady'],
  ['pod-image-pull-backoff.yaml', 'Degraded', 'Pod "web-1": container "app": ImagePullBackOff: Back-off pulling image "nginx:fail-pull"'],
  ['pod-err-image-pull.yaml', 'Degraded', 'Pod "web-1": container "app": ErrImagePull'],
  ['pod-crash-loop.yaml', 'Degraded', 'Pod "web-1": container "app": CrashLoopBackOff'],
  ['pod-config-error.yaml', 'Degraded', 'CreateContainerConfigError: secret "db-password" not found'],
  ['pod-invalid-image-in-init.yaml', 'Degraded', 'container "migrate": InvalidImageName'],
  ['pod-succeeded.yaml', 'Healthy'],
  ['pod-failed.yaml', 'Degraded', 'container "migrate" exited 2 (Error)'],
  ['pod-evicted.yaml', 'Degraded', 'Evicted: The node was low on resource: memory.'],
  ['job-complete.yaml', 'Healthy'],
  ['job-running.yaml', 'Progressing', '1 active'],
  ['job-failed.yaml', 'Degraded', 'Job "migrate": BackoffLimitExceeded: Job has reached the specified backoff limit'],
  ['job-suspended.yaml', 'Suspended'],
  ['cronjob-active.yaml', 'Healthy'],
  ['cronjob-suspended.yaml', 'Suspended'],
  ['pvc-bound.yaml', 'Healthy'],
  ['pvc-pending.yaml', 'Progressing', 'Pending'],
  ['pvc-lost.yaml', 'Degraded', 'Lost'],
  ['service-clusterip.yaml', 'Healthy'],
  ['service-loadbalancer-pending.yaml', 'Progressing', 'load balancer address'],
  ['service-loadbalancer-ready.yaml', 'Healthy'],
  ['ingress-pending.yaml', 'Progressing', 'publish an address'],
  ['ingress-ready.yaml', 'Healthy'],
  ['crd-established.yaml', 'Healthy'],
  ['crd-pending.yaml', 'Progressing', 'not yet established'],
  ['crd-names-conflict.yaml', 'Degraded', 'MultipleNamesConflict'],
  ['namespace-active.yaml', 'Healthy'],
  ['namespace-terminating.yaml', 'Progressing', 'terminating'],
  ['configmap-plain.yaml', 'Healthy'],
  ['clusterrole-plain.yaml', 'Healthy'],
  ['custom-ready.yaml', 'Healthy'],
  ['custom-not-ready.yaml', 'Degraded', 'Certificate "web-tls": Failed: issuer "letsencrypt" not found'],
  ['custom-ready-unknown.yaml', 'Progressing', 'Reconciling'],
  ['custom-generation-lag.yaml', 'Progressing', 'observe generation 3'],
  ['custom-stalled.yaml', 'Degraded', 'InvalidSpec: size must be positive'],
  ['custom-reconciling.yaml', 'Progressing', 'Progressing'],
  ['custom-no-status.yaml', 'Healthy'],
];

describe('assessHealth', () => {
  it.each(CASES)('%s → %s', (file, health, message) => {
    const assessment = assess(file);
    expect(healthName(assessment.status)).toBe(health);
    if (message !== undefined) expect(assessment.message).toContain(message);
  });

  it('has a case for every test data file', () => {
    const files = readdirSync(TESTDATA).filter((name) => name.endsWith('.yaml'));
    expect(files.sort()).toEqual(CASES.map(([file]) => file).sort());
  });

  it('calls an object that is not found Missing', () => {
    expect(assessHealth(undefined)).toEqual({ status: HealthStatus.HEALTH_STATUS_MISSING, message: 'not found in the cluster' });
  });

  it('calls a fresh workload whose controller has not written status yet Progressing', () => {
    const fresh = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation: 1 }, spec: { replicas: 1 } };
    expect(healthName(assessHealth(fresh).status)).toBe('Progressing');
  });

  it('does not throw on status fields of the wrong shape', () => {
    const odd = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'x' },
      status: { phase: 7, containerStatuses: 'no', conditions: [null, 3] },
    };
    expect(healthName(assessHealth(odd).status)).toBe('Progressing');
  });
});

describe('worstHealth', () => {
  const of = (status: HealthStatus, message = ''): HealthAssessment => ({ status, message });

  it('is Healthy with no input', () => {
    expect(worstHealth([])).toEqual(of(HealthStatus.HEALTH_STATUS_HEALTHY));
  });

  it('orders Healthy < Suspended < Progressing < Unknown < Missing < Degraded', () => {
    const order = [
      HealthStatus.HEALTH_STATUS_HEALTHY,
      HealthStatus.HEALTH_STATUS_SUSPENDED,
      HealthStatus.HEALTH_STATUS_PROGRESSING,
      HealthStatus.HEALTH_STATUS_UNKNOWN,
      HealthStatus.HEALTH_STATUS_MISSING,
      HealthStatus.HEALTH_STATUS_DEGRADED,
    ];
    for (let i = 1; i < order.length; i++) {
      const worse = of(order[i], 'worse');
      expect(worstHealth([of(order[i - 1]), worse, of(order[i - 1])])).toBe(worse);
    }
  });

  it('keeps the first of equally bad assessments, with its message', () => {
    const first = of(HealthStatus.HEALTH_STATUS_DEGRADED, 'Pod "a": container "app": CrashLoopBackOff');
    expect(worstHealth([first, of(HealthStatus.HEALTH_STATUS_DEGRADED, 'second')])).toBe(first);
  });
});

describe('healthName', () => {
  it('names every status, unspecified ones Unknown', () => {
    expect(healthName(HealthStatus.HEALTH_STATUS_DEGRADED)).toBe('Degraded');
    expect(healthName(HealthStatus.HEALTH_STATUS_UNKNOWN)).toBe('Unknown');
    expect(healthName(HealthStatus.HEALTH_STATUS_UNSPECIFIED)).toBe('Unknown');
  });
});
