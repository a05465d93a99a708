import { HealthStatus } from '#proto';
import { describe, progressing, type HealthAssessment, type KubeObjectLike } from './assessment';
import { cronJobHealth } from './cronjob';
import { customResourceDefinitionHealth } from './crd';
import { daemonSetHealth } from './daemonset';
import { deploymentHealth } from './deployment';
import { genericHealth } from './generic';
import { ingressHealth } from './ingress';
import { jobHealth } from './job';
import { namespaceHealth } from './namespace';
import { podHealth } from './pod';
import { persistentVolumeClaimHealth } from './pvc';
import { replicaSetHealth } from './replicaset';
import { serviceHealth } from './service';
import { statefulSetHealth } from './statefulset';

export type { HealthAssessment, KubeObjectLike } from './assessment';

type KindHealth = (object: KubeObjectLike) => HealthAssessment;

/** Per-kind rules, keyed by `group/Kind` (core group: `/Kind`). */
const KIND_HEALTH: Readonly<Record<string, KindHealth>> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  '/Pod': podHealth,
  'batch/Job': jobHealth,
  'batch/CronJob': cronJobHealth,
  '/PersistentVolumeClaim': persistentVolumeClaimHealth,
  '/Service': serviceHealth,
  'networking.k8s.io/Ingress': ingressHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': customResourceDefinitionHealth,
  '/Namespace': namespaceHealth,
};

/** Kinds whose controller reports `status.observedGeneration`; lagging it means the rollout has not started. */
const WORKLOAD_KINDS = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet']);

/** Health of one live object (as read from the API server; undefined = not found → MISSING). */
export function assessHealth(live: KubeObjectLike | undefined): HealthAssessment {
  if (live === undefined) return { status: HealthStatus.HEALTH_STATUS_MISSING, message: 'not found in the cluster' };
  if (live.metadata.deletionTimestamp) return progressing(`${describe(live)}: being deleted`);
  const key = kindKey(live);
  if (WORKLOAD_KINDS.has(key)) {
    const observed = (live.status as { observedGeneration?: unknown } | undefined)?.observedGeneration;
    const generation = live.metadata.generation;
    if (typeof generation === 'number' && (typeof observed !== 'number' || observed < generation)) {
      return progressing(`${describe(live)}: waiting for the controller to observe generation ${generation}`);
    }
  }
  const rule = KIND_HEALTH[key] ?? genericHealth;
  return rule(live);
}

const SEVERITY: Readonly<Record<number, number>> = {
  [HealthStatus.HEALTH_STATUS_HEALTHY]: 0,
  [HealthStatus.HEALTH_STATUS_SUSPENDED]: 1,
  [HealthStatus.HEALTH_STATUS_PROGRESSING]: 2,
  [HealthStatus.HEALTH_STATUS_UNKNOWN]: 3,
  [HealthStatus.HEALTH_STATUS_MISSING]: 4,
  [HealthStatus.HEALTH_STATUS_DEGRADED]: 5,
};

/** Rank of a status in worstHealth's order (higher is worse). */
export function severity(status: HealthStatus): number {
  return SEVERITY[status] ?? SEVERITY[HealthStatus.HEALTH_STATUS_UNKNOWN];
}

/** The worst of several (order HEALTHY < SUSPENDED < PROGRESSING < UNKNOWN < MISSING < DEGRADED); no input → HEALTHY. */
export function worstHealth(assessments: readonly HealthAssessment[]): HealthAssessment {
  let worst: HealthAssessment = { status: HealthStatus.HEALTH_STATUS_HEALTHY, message: '' };
  for (const assessment of assessments) {
    if (severity(assessment.status) > severity(worst.status)) worst = assessment;
  }
  return worst;
}

const NAMES: Readonly<Record<number, ReturnType<typeof healthName>>> = {
  [HealthStatus.HEALTH_STATUS_HEALTHY]: 'Healthy',
  [HealthStatus.HEALTH_STATUS_SUSPENDED]: 'Suspended',
  [HealthStatus.HEALTH_STATUS_PROGRESSING]: 'Progressing',
  [HealthStatus.HEALTH_STATUS_MISSING]: 'Missing',
  [HealthStatus.HEALTH_STATUS_DEGRADED]: 'Degraded',
};

export function healthName(status: HealthStatus): 'Healthy' | 'Suspended' | 'Progressing' | 'Unknown' | 'Missing' | 'Degraded' {
  return NAMES[status] ?? 'Unknown';
}

function kindKey(object: KubeObjectLike): string {
  const slash = object.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : object.apiVersion.slice(0, slash);
  return `${group}/${object.kind}`;
}
