import { ResourceType, apiVersionOf } from '../discovery/api-types';
import { semanticallyEqualAt } from '../schema/semantic-equality';
import { JsonObject, KubeObject, deepEqual, isObject } from '../json-value';
import { validateBuiltin } from '../validation/builtin-validation';
import type { StatusCause } from '../api-error';
import { nameRuleOf, validateAnnotations, validateLabels, validateObjectName } from '../validation/object-names';

/** Built-in kinds whose metadata.generation tracks spec changes (custom resources always do). */
const KINDS_WITH_GENERATION = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'CustomResourceDefinition',
  'Ingress',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'IngressClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

export function hasGeneration(type: ResourceType): boolean {
  return type.custom || KINDS_WITH_GENERATION.has(type.kind);
}

export function hasStatusSubresource(type: ResourceType): boolean {
  return type.subresources.includes('status');
}

/** Everything generation follows: the object minus metadata and status. */
export function specPart(object: JsonObject): JsonObject {
  const copy: JsonObject = { ...object };
  delete copy['metadata'];
  delete copy['status'];
  delete copy['apiVersion'];
  delete copy['kind'];
  return copy;
}

/** Whether anything but metadata and status changed, semantically (quantities by value). */
export function specChanged(type: ResourceType, before: JsonObject, after: JsonObject): boolean {
  if (type.custom) return !deepEqual(specPart(before), specPart(after));
  return !semanticallyEqualAt(apiVersionOf(type), type.kind, [], specPart(before), specPart(after));
}

/** Validation common to all kinds, then the kind's own. */
export function validateObject(type: ResourceType, object: KubeObject, live: KubeObject | undefined): StatusCause[] {
  const meta = object.metadata;
  return [
    ...validateObjectName(String(meta.name ?? ''), type.custom ? 'subdomain' : nameRuleOf(type.kind)),
    ...validateLabels(isObject(meta['labels']) ? meta['labels'] : undefined),
    ...validateAnnotations(isObject(meta['annotations']) ? meta['annotations'] : undefined),
    ...(type.custom ? [] : validateBuiltin(type.kind, object, live)),
  ];
}
