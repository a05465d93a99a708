import { JsonObject, isObject, objectAt } from '../json-value';
import { objectsIn, setDefault } from './pod-defaults';

/**
 * Defaults of the policy, networking, storage, scheduling, RBAC and admission kinds a
 * platform team ships, as kube-apiserver v1.24 fills them.
 */

export function defaultPersistentVolumeClaim(object: JsonObject): void {
  setDefault(objectAt(object, 'spec'), 'volumeMode', 'Filesystem');
  setDefault(objectAt(object, 'status'), 'phase', 'Pending');
}

export function defaultIngress(object: JsonObject): void {
  setDefault(object, 'status', { loadBalancer: {} });
}

export function defaultNetworkPolicy(object: JsonObject): void {
  const spec = objectAt(object, 'spec');
  for (const direction of ['ingress', 'egress'])
    for (const rule of objectsIn(spec, direction)) for (const port of objectsIn(rule, 'ports')) setDefault(port, 'protocol', 'TCP');
  if (spec['policyTypes'] === undefined) spec['policyTypes'] = Array.isArray(spec['egress']) ? ['Ingress', 'Egress'] : ['Ingress'];
  setDefault(object, 'status', {});
}

const SCALE_UP_POLICIES = [
  { type: 'Pods', value: 4, periodSeconds: 15 },
  { type: 'Percent', value: 100, periodSeconds: 15 },
];
const SCALE_DOWN_POLICIES = [{ type: 'Percent', value: 100, periodSeconds: 15 }];

/** autoscaling/v2: one replica at least, 80% CPU when no metric is given, and a full behavior once any is. */
export function defaultHorizontalPodAutoscaler(object: JsonObject): void {
  const spec = objectAt(object, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (!Array.isArray(spec['metrics']) || spec['metrics'].length === 0)
    spec['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  const behavior = spec['behavior'];
  if (isObject(behavior)) {
    const up = objectAt(behavior, 'scaleUp');
    setDefault(up, 'stabilizationWindowSeconds', 0);
    setDefault(up, 'selectPolicy', 'Max');
    setDefault(up, 'policies', SCALE_UP_POLICIES);
    const down = objectAt(behavior, 'scaleDown');
    setDefault(down, 'stabilizationWindowSeconds', 300);
    setDefault(down, 'selectPolicy', 'Max');
    setDefault(down, 'policies', SCALE_DOWN_POLICIES);
  }
}

/** A container limit range fills default limits from max, and default requests from those, then from min. */
export function defaultLimitRange(object: JsonObject): void {
  for (const item of objectsIn(objectAt(object, 'spec'), 'limits')) {
    if (item['type'] !== 'Container') continue;
    const limits = objectAt(item, 'default');
    const requests = objectAt(item, 'defaultRequest');
    for (const [from, to] of [
      ['max', limits],
      ['default', requests],
      ['min', requests],
    ] as const) {
      const source = item[from];
      if (isObject(source)) for (const [name, quantity] of Object.entries(source)) setDefault(to, name, quantity);
    }
    if (Object.keys(limits).length === 0) delete item['default'];
    if (Object.keys(requests).length === 0) delete item['defaultRequest'];
  }
}

export function defaultStorageClass(object: JsonObject): void {
  setDefault(object, 'reclaimPolicy', 'Delete');
  setDefault(object, 'volumeBindingMode', 'Immediate');
}

export function defaultPriorityClass(object: JsonObject): void {
  setDefault(object, 'preemptionPolicy', 'PreemptLowerPriority');
}

/** Users and groups are RBAC subjects; a ServiceAccount's apiGroup stays empty. */
export function defaultRoleBinding(object: JsonObject): void {
  for (const subject of objectsIn(object, 'subjects')) {
    if (subject['kind'] === 'User' || subject['kind'] === 'Group') setDefault(subject, 'apiGroup', 'rbac.authorization.k8s.io');
  }
}

export function defaultWebhookConfiguration(object: JsonObject, mutating: boolean): void {
  for (const webhook of objectsIn(object, 'webhooks')) {
    setDefault(webhook, 'failurePolicy', 'Fail');
    setDefault(webhook, 'matchPolicy', 'Equivalent');
    setDefault(webhook, 'namespaceSelector', {});
    setDefault(webhook, 'objectSelector', {});
    setDefault(webhook, 'timeoutSeconds', 10);
    if (mutating) setDefault(webhook, 'reinvocationPolicy', 'Never');
    for (const rule of objectsIn(webhook, 'rules')) setDefault(rule, 'scope', '*');
    const clientConfig = webhook['clientConfig'];
    if (isObject(clientConfig) && isObject(clientConfig['service'])) setDefault(clientConfig['service'], 'port', 443);
  }
}
