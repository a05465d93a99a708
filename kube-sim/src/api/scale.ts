import { ApiError, StatusCause, badRequest, invalid, notFound, resourceNotServed, resourceVersionConflict } from '../api-error';
import type { ResourceType } from '../discovery/api-types';
import { JsonObject, JsonValue, KubeObject, clone, isObject, valueAt } from '../json-value';
import { applyJsonPatch, JsonPatchError, JsonPatchOperation } from '../patch/json-patch';
import { applyMergePatch } from '../patch/merge-patch';
import { ObjectStore } from '../store/object-store';
import { CRDS } from './custom-resource-schema';
import { invalidValue } from '../validation/field-errors';
import { subjectOf, type ApiServer } from './api-server';
import type { PatchType, ResourceRequest, WriteOptions, WriteResult } from './requests';

/** Where a kind keeps what its /scale subresource shows. */
interface ScalePaths {
  specReplicas: string;
  statusReplicas: string;
  /** The label selector as a string, when the kind has one. */
  selector: (object: KubeObject) => string | undefined;
}

const BUILTIN_SCALES = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController']);

/** metav1.FormatLabelSelector: "app=web,tier in (a,b)". */
export function formatLabelSelector(selector: unknown): string {
  if (!isObject(selector)) return '';
  const parts: string[] = [];
  const labels = isObject(selector['matchLabels']) ? selector['matchLabels'] : {};
  for (const key of Object.keys(labels).sort()) parts.push(`${key}=${String(labels[key])}`);
  for (const requirement of Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'].filter(isObject) : []) {
    const values = Array.isArray(requirement['values']) ? requirement['values'].map(String).sort() : [];
    const key = String(requirement['key']);
    const operator = String(requirement['operator']);
    if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else parts.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

/** The scale paths of a type: the built-in workloads', or those its CRD declares. */
export function scalePathsOf(store: ObjectStore, type: ResourceType): ScalePaths | undefined {
  if (!type.custom) {
    if (!BUILTIN_SCALES.has(type.kind)) return undefined;
    return {
      specReplicas: 'spec.replicas',
      statusReplicas: 'status.replicas',
      selector: (o) => {
        const selector = valueAt(o, 'spec.selector');
        if (type.kind !== 'ReplicationController') return formatLabelSelector(selector);
        return formatLabelSelector({ matchLabels: isObject(selector) ? selector : {} });
      },
    };
  }
  const crd = store.get(CRDS, '', `${type.resource}.${type.group}`);
  const versions = valueAt(crd, 'spec.versions');
  const version = Array.isArray(versions) ? versions.filter(isObject).find((v) => v['name'] === type.version) : undefined;
  const scale = version ? valueAt(version, 'subresources.scale') : undefined;
  if (!isObject(scale)) return undefined;
  const path = (p: unknown) => String(p ?? '').replace(/^\./, '');
  const selectorPath = scale['labelSelectorPath'];
  return {
    specReplicas: path(scale['specReplicasPath']),
    statusReplicas: path(scale['statusReplicasPath']),
    selector: (o) => (selectorPath ? (valueAt(o, path(selectorPath)) as string | undefined) : undefined),
  };
}

/** The scale paths of a type that has /scale (it is served only then). */
export function requireScalePaths(store: ObjectStore, type: ResourceType): ScalePaths {
  const paths = scalePathsOf(store, type);
  if (!paths) throw resourceNotServed();
  return paths;
}

/** PUT or PATCH of /scale: the object takes the Scale's replicas; the answer is the Scale. */
export function writeScale(
  api: ApiServer,
  request: ResourceRequest,
  scale: (current: JsonObject) => JsonValue,
  options: WriteOptions,
): WriteResult {
  const paths = requireScalePaths(api.store, request.type);
  const live = api.find(request);
  if (!live) throw notFound(subjectOf(request, true));
  const next = scaledObject(live, scale(scaleOf(live, paths)), paths, subjectOf(request));
  const result = api.writeUpdate(request, live, next, options);
  return { code: 200, body: scaleOf(result.body as KubeObject, paths) };
}

/** The autoscaling/v1 Scale of an object. */
export function scaleOf(object: KubeObject, paths: ScalePaths): JsonObject {
  const metadata: JsonObject = { name: object.metadata.name };
  for (const key of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp']) {
    const value = object.metadata[key];
    if (value !== undefined) metadata[key] = value;
  }
  const replicas = Number(valueAt(object, paths.specReplicas) ?? 0);
  const status: JsonObject = { replicas: Number(valueAt(object, paths.statusReplicas) ?? 0) };
  const selector = paths.selector(object);
  if (selector) status['selector'] = selector;
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata, spec: replicas === 0 ? {} : { replicas }, status };
}

/** A Scale patched as a client sent it (apply patches are read as merge patches of the Scale). */
export function patchScale(current: JsonObject, patchType: PatchType, body: JsonValue): JsonValue {
  try {
    if (patchType === 'json') {
      if (!Array.isArray(body)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      return applyJsonPatch(current, body as unknown as JsonPatchOperation[]);
    }
    return applyMergePatch(current, body);
  } catch (error) {
    if (error instanceof JsonPatchError)
      throw new ApiError(422, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: error.message,
        reason: 'Invalid',
        code: 422,
      });
    throw error;
  }
}

/**
 * The object with the replicas a Scale asks for; refuses a stale resourceVersion and a
 * negative count as kube-apiserver does.
 */
function scaledObject(
  live: KubeObject,
  scale: JsonValue,
  paths: ScalePaths,
  subject: { resource: string; group: string; name: string },
): KubeObject {
  if (!isObject(scale)) throw badRequest('the body of a scale request must be an object');
  const version = valueAt(scale, 'metadata.resourceVersion');
  if (typeof version === 'string' && version !== '' && version !== live.metadata['resourceVersion']) throw resourceVersionConflict(subject);
  const replicas = valueAt(scale, 'spec.replicas') ?? 0;
  if (typeof replicas !== 'number' || replicas < 0)
    throw invalid('Scale.autoscaling', 'Scale', 'autoscaling', live.metadata.name, [
      invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'),
    ]);
  const next = clone(live);
  let target: JsonObject = next;
  const parts = paths.specReplicas.split('.');
  for (const part of parts.slice(0, -1)) {
    if (!isObject(target[part])) target[part] = {};
    target = target[part];
  }
  target[parts[parts.length - 1]] = replicas;
  return next;
}

/** A custom resource's replicas, where its scale subresource reads them, must be a count. */
export function customScaleErrors(object: KubeObject, paths: ScalePaths): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const path of [paths.specReplicas, paths.statusReplicas]) {
    const value = valueAt(object, path);
    if (value === undefined || value === null) continue;
    const field = `.${path}`;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      const goType =
        typeof value === 'string'
          ? 'string'
          : typeof value === 'number'
            ? 'float64'
            : typeof value === 'boolean'
              ? 'bool'
              : 'map[string]interface {}';
      causes.push(invalidValue(field, 0, `${field} accessor error: ${String(value)} is of the type ${goType}, expected int64`));
    } else if (value < 0) causes.push(invalidValue(field, value, 'should be a non-negative integer'));
  }
  return causes;
}
