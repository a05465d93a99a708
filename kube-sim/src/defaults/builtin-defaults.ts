import { JsonObject, JsonValue, isObject, objectAt } from '../json-value';

/** What defaulting may need from the cluster. */
export interface DefaultingContext {
  creating: boolean;
  allocateClusterIP: () => string;
}

/**
 * Server-side defaults of built-in kinds, as transcript 04 records them. Runs on every
 * write, so it must be idempotent: a re-apply of the same manifest changes nothing.
 */
export function applyBuiltinDefaults(kind: string, object: JsonObject, context: DefaultingContext): void {
  switch (kind) {
    case 'Deployment':
      return defaultDeployment(object);
    case 'ReplicaSet':
      return defaultWorkload(object, {});
    case 'StatefulSet':
      return defaultWorkload(object, {
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
      });
    case 'DaemonSet':
      return defaultWorkload(
        object,
        {
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
          revisionHistoryLimit: 10,
        },
        false,
      );
    case 'Job':
      return defaultJob(object);
    case 'CronJob':
      return defaultCronJob(object);
    case 'Pod':
      return defaultPod(object);
    case 'Service':
      return defaultService(object, context);
    case 'Namespace':
      return defaultNamespace(object);
    case 'Secret':
      return defaultSecret(object);
    case 'CustomResourceDefinition':
      return defaultCustomResourceDefinition(object, context);
  }
}

function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

export function defaultContainer(container: JsonObject): void {
  setDefault(container, 'resources', {});
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const image = String(container['image'] ?? '');
  const tagged = /:[^/]+$/.test(image.split('@')[0]!) && !image.endsWith(':latest');
  setDefault(container, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
  for (const port of Array.isArray(container['ports']) ? container['ports'].filter(isObject) : []) setDefault(port, 'protocol', 'TCP');
  for (const env of Array.isArray(container['env']) ? container['env'].filter(isObject) : []) {
    const fieldRef = isObject(env['valueFrom']) ? env['valueFrom']['fieldRef'] : undefined;
    if (isObject(fieldRef)) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

export function defaultPodSpec(spec: JsonObject): void {
  for (const list of ['containers', 'initContainers']) {
    const containers = spec[list];
    if (Array.isArray(containers)) containers.filter(isObject).forEach(defaultContainer);
  }
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
}

function defaultPodTemplate(spec: JsonObject): void {
  const template = objectAt(spec, 'template');
  const metadata = objectAt(template, 'metadata');
  if (!('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null;
  defaultPodSpec(objectAt(template, 'spec'));
}

function defaultWorkload(object: JsonObject, specDefaults: JsonObject, withReplicas = true): void {
  const spec = objectAt(object, 'spec');
  if (withReplicas) setDefault(spec, 'replicas', 1);
  for (const [k, v] of Object.entries(specDefaults)) setDefault(spec, k, v);
  defaultPodTemplate(spec);
  setDefault(object, 'status', {});
}

function defaultDeployment(object: JsonObject): void {
  defaultWorkload(object, {});
  const spec = objectAt(object, 'spec');
  const strategy = objectAt(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = objectAt(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
}

function defaultJob(object: JsonObject): void {
  const spec = objectAt(object, 'spec');
  const metadata = object['metadata'] as JsonObject;
  const uid = String(metadata['uid'] ?? '');
  const name = String(metadata['name'] ?? '');
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'completions', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (uid && spec['manualSelector'] !== true) {
    setDefault(spec, 'selector', { matchLabels: { 'controller-uid': uid } });
    const templateMeta = objectAt(objectAt(spec, 'template'), 'metadata');
    const labels = objectAt(templateMeta, 'labels');
    setDefault(labels, 'controller-uid', uid);
    setDefault(labels, 'job-name', name);
    if (!isObject(metadata['labels']) || Object.keys(metadata['labels']).length === 0) metadata['labels'] = { ...labels };
  }
  defaultPodTemplate(spec);
  setDefault(object, 'status', {});
}

function defaultCronJob(object: JsonObject): void {
  const spec = objectAt(object, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = objectAt(objectAt(spec, 'jobTemplate'), 'spec');
  defaultPodTemplate(jobSpec);
  setDefault(object, 'status', {});
}

function defaultPod(object: JsonObject): void {
  const spec = objectAt(object, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
}

function defaultService(object: JsonObject, context: DefaultingContext): void {
  const spec = objectAt(object, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  for (const port of Array.isArray(spec['ports']) ? spec['ports'].filter(isObject) : []) {
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port['port'] ?? null);
  }
  if (spec['type'] !== 'ExternalName') {
    if (spec['clusterIP'] === undefined || spec['clusterIP'] === '') {
      if (context.creating) spec['clusterIP'] = context.allocateClusterIP();
    }
    if (spec['clusterIP'] !== undefined) setDefault(spec, 'clusterIPs', [spec['clusterIP']]);
    if (spec['clusterIP'] !== 'None') {
      setDefault(spec, 'ipFamilies', ['IPv4']);
      setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    }
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  setDefault(object, 'status', { loadBalancer: {} });
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
  if (context.creating && !isObject(object['status'])) {
    const versions = Array.isArray(spec['versions']) ? spec['versions'].filter(isObject) : [];
    const stored = versions.filter((v) => v['storage'] === true).map((v) => String(v['name']));
    object['status'] = { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: stored };
  }
}
