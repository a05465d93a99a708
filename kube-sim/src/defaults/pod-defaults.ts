import { JsonObject, JsonValue, isObject, objectAt } from '../json-value';

/** Sets `key` when it is missing (or null), as SetDefaults_* functions do for nil pointers. */
export function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

export function objectsIn(parent: JsonObject, key: string): JsonObject[] {
  const list = parent[key];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

function defaultProbe(probe: JsonValue | undefined): void {
  if (!isObject(probe)) return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  defaultHandler(probe);
}

/** An HTTP GET handler (probes, lifecycle hooks) defaults its scheme. */
function defaultHandler(handler: JsonValue | undefined): void {
  if (isObject(handler) && isObject(handler['httpGet'])) setDefault(handler['httpGet'], 'scheme', 'HTTP');
}

function defaultFieldRef(holder: JsonValue | undefined): void {
  if (isObject(holder) && isObject(holder['fieldRef'])) setDefault(holder['fieldRef'], 'apiVersion', 'v1');
}

export function defaultContainer(container: JsonObject): void {
  setDefault(container, 'resources', {});
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const image = String(container['image'] ?? '');
  const tagged = /:[^/]+$/.test(image.split('@')[0]) && !image.endsWith(':latest');
  setDefault(container, 'imagePullPolicy', tagged || image.includes('@') ? 'IfNotPresent' : 'Always');
  for (const port of objectsIn(container, 'ports')) setDefault(port, 'protocol', 'TCP');
  for (const env of objectsIn(container, 'env')) defaultFieldRef(env['valueFrom']);
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe]);
  const lifecycle = container['lifecycle'];
  if (isObject(lifecycle)) for (const hook of ['postStart', 'preStop']) defaultHandler(lifecycle[hook]);
}

/** ConfigMap, Secret, projected and downward-API volumes get file mode 0644. */
function defaultVolume(volume: JsonObject): void {
  for (const source of ['configMap', 'secret', 'projected', 'downwardAPI']) {
    const value = volume[source];
    if (isObject(value)) setDefault(value, 'defaultMode', 420);
  }
  const downward = volume['downwardAPI'];
  if (isObject(downward)) for (const item of objectsIn(downward, 'items')) defaultFieldRef(item);
  const projected = volume['projected'];
  if (isObject(projected))
    for (const source of objectsIn(projected, 'sources'))
      if (isObject(source['downwardAPI'])) for (const item of objectsIn(source['downwardAPI'], 'items')) defaultFieldRef(item);
  const hostPath = volume['hostPath'];
  if (isObject(hostPath)) setDefault(hostPath, 'type', '');
}

export function defaultPodSpec(spec: JsonObject): void {
  for (const list of ['containers', 'initContainers']) objectsIn(spec, list).forEach(defaultContainer);
  objectsIn(spec, 'volumes').forEach(defaultVolume);
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
}

/** A pod template: its spec's defaults, and the null creationTimestamp of an empty ObjectMeta. */
export function defaultPodTemplate(template: JsonObject): void {
  const metadata = objectAt(template, 'metadata');
  if (!('creationTimestamp' in metadata)) metadata['creationTimestamp'] = null;
  defaultPodSpec(objectAt(template, 'spec'));
}

/** A Pod (not a template): also service links, and requests taken from limits. */
export function defaultPod(object: JsonObject): void {
  const spec = objectAt(object, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  for (const list of ['containers', 'initContainers']) {
    for (const container of objectsIn(spec, list)) {
      const resources = isObject(container['resources']) ? container['resources'] : undefined;
      const limits = resources && isObject(resources['limits']) ? resources['limits'] : undefined;
      if (!resources || !limits) continue;
      const requests = objectAt(resources, 'requests');
      for (const [name, quantity] of Object.entries(limits)) setDefault(requests, name, quantity);
    }
  }
}
