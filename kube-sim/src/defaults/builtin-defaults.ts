import { JsonObject, JsonValue, deepEqual, isObject, objectAt } from '../json-value';
import {
  defaultHorizontalPodAutoscaler,
  defaultIngress,
  defaultLimitRange,
  defaultNetworkPolicy,
  defaultPersistentVolumeClaim,
  defaultPriorityClass,
  defaultRoleBinding,
  defaultStorageClass,
  defaultWebhookConfiguration,
} from './cluster-defaults';
import { defaultPod, setDefault } from './pod-defaults';
import { ServiceAllocation, defaultService } from './service-defaults';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultStatefulSet,
} from './workload-defaults';

/** What defaulting may need from the cluster, and the object as it was before this write. */
export type DefaultingContext = ServiceAllocation;

/**
 * Server-side defaults of built-in kinds (SetDefaults_* and the strategies' create/update
 * preparation), checked against a real kube-apiserver by test/conformance. Runs on every
 * write, so it must be idempotent: a re-apply of the same manifest changes nothing.
 */
export function applyBuiltinDefaults(kind: string, object: JsonObject, context: DefaultingContext): void {
  DEFAULTS[kind]?.(object, context);
  const zeros = STATUS_ZEROS[kind];
  if (zeros) {
    const status = objectAt(object, 'status');
    for (const [key, value] of Object.entries(zeros)) if (status[key] === undefined) status[key] = value;
  }
}

const DEFAULTS: Record<string, (object: JsonObject, context: DefaultingContext) => void> = {
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  StatefulSet: defaultStatefulSet,
  DaemonSet: (object, context) => {
    defaultDaemonSet(object);
    numberTemplateGeneration(object, context.live);
  },
  Job: defaultJob,
  CronJob: defaultCronJob,
  Pod: defaultPod,
  Service: defaultService,
  Namespace: defaultNamespace,
  Secret: defaultSecret,
  PersistentVolumeClaim: defaultPersistentVolumeClaim,
  Ingress: defaultIngress,
  NetworkPolicy: defaultNetworkPolicy,
  HorizontalPodAutoscaler: defaultHorizontalPodAutoscaler,
  LimitRange: defaultLimitRange,
  StorageClass: defaultStorageClass,
  PriorityClass: defaultPriorityClass,
  RoleBinding: defaultRoleBinding,
  ClusterRoleBinding: defaultRoleBinding,
  ValidatingWebhookConfiguration: (object) => defaultWebhookConfiguration(object, false),
  MutatingWebhookConfiguration: (object) => defaultWebhookConfiguration(object, true),
  CustomResourceDefinition: defaultCustomResourceDefinition,
};

/** Status counters written without omitempty: a fresh status shows them as 0. */
const STATUS_ZEROS: Record<string, Record<string, JsonValue>> = {
  ReplicaSet: { replicas: 0 },
  StatefulSet: { replicas: 0, availableReplicas: 0 },
  DaemonSet: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
  PodDisruptionBudget: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  HorizontalPodAutoscaler: { desiredReplicas: 0, currentMetrics: null },
  Deployment: {},
  Job: {},
  CronJob: {},
  ResourceQuota: {},
};

const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

/** A DaemonSet numbers its pod templates: 1 on create, one more on each template change. */
function numberTemplateGeneration(object: JsonObject, live: JsonObject | undefined): void {
  const annotations = objectAt(object['metadata'] as JsonObject, 'annotations');
  const liveAnnotations = live && isObject(live['metadata']) ? live['metadata']['annotations'] : undefined;
  const previous = Number((isObject(liveAnnotations) ? liveAnnotations[TEMPLATE_GENERATION] : undefined) ?? 0);
  const templateChanged = !live || !deepEqual(objectAt(objectAt(object, 'spec'), 'template'), (live['spec'] as JsonObject)?.['template']);
  annotations[TEMPLATE_GENERATION] = String(templateChanged ? previous + 1 : previous);
}

function defaultNamespace(object: JsonObject): void {
  const metadata = object['metadata'] as JsonObject;
  objectAt(metadata, 'labels')['kubernetes.io/metadata.name'] = String(metadata['name']);
  setDefault(objectAt(object, 'spec'), 'finalizers', ['kubernetes']);
  setDefault(objectAt(object, 'status'), 'phase', 'Active');
}

/** stringData is write-only: it is folded into base64 data and never stored. */
function defaultSecret(object: JsonObject): void {
  setDefault(object, 'type', 'Opaque');
  const stringData = object['stringData'];
  if (isObject(stringData)) {
    const data = objectAt(object, 'data');
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete object['stringData'];
}

function defaultCustomResourceDefinition(object: JsonObject, context: DefaultingContext): void {
  const spec = objectAt(object, 'spec');
  setDefault(spec, 'conversion', { strategy: 'None' });
  const names = objectAt(spec, 'names');
  if (typeof names['kind'] === 'string') {
    setDefault(names, 'singular', names['kind'].toLowerCase());
    setDefault(names, 'listKind', `${names['kind']}List`);
  }
  if (context.creating && !isObject(object['status'])) {
    const versions = Array.isArray(spec['versions']) ? spec['versions'].filter(isObject) : [];
    const stored = versions.filter((v) => v['storage'] === true).map((v) => String(v['name']));
    object['status'] = { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: stored };
  }
}
