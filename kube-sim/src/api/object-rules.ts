import type { ResourceType } from '../discovery/api-types';
import { JsonObject, KubeObject, deepEqual, isObject } from '../json-value';
import type { StatusCause } from '../api-error';
import { nameRuleOf, validateAnnotations, validateLabels, validateObjectName } from '../validation/object-names';
import { requirementsOfLabelSelector, matchesRequirements } from '../selectors/label-selector';

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
  'HorizontalPodAutoscaler',
  'IngressClass',
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

export function specChanged(before: JsonObject, after: JsonObject): boolean {
  return !deepEqual(specPart(before), specPart(after));
}

/** Validation common to all kinds plus the few kind rules the transcripts exercise. */
export function validateObject(type: ResourceType, object: KubeObject, live: KubeObject | undefined): StatusCause[] {
  const meta = object.metadata;
  const causes = [
    ...validateObjectName(String(meta.name ?? ''), type.custom ? 'subdomain' : nameRuleOf(type.kind)),
    ...validateLabels(isObject(meta['labels']) ? meta['labels'] : undefined),
    ...validateAnnotations(isObject(meta['annotations']) ? meta['annotations'] : undefined),
  ];
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(type.kind)) causes.push(...validateWorkloadSelector(object, live));
  return causes;
}

function validateWorkloadSelector(object: KubeObject, live: KubeObject | undefined): StatusCause[] {
  const spec = isObject(object['spec']) ? object['spec'] : {};
  const selector = spec['selector'];
  const causes: StatusCause[] = [];
  if (live && isObject(live['spec']) && !deepEqual(live['spec']['selector'], selector)) {
    const message = `Invalid value: ${describeSelector(selector)}: field is immutable`;
    return [{ reason: 'FieldValueInvalid', message, field: 'spec.selector' }];
  }
  const requirements = requirementsOfLabelSelector(selector);
  if (requirements.length === 0) {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
    return causes;
  }
  const template = isObject(spec['template']) ? spec['template'] : {};
  const labels =
    isObject(template['metadata']) && isObject(template['metadata']['labels'])
      ? (template['metadata']['labels'] as Record<string, string>)
      : {};
  if (!matchesRequirements(labels, requirements)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${describeLabels(labels)}: \`selector\` does not match template \`labels\``,
      field: 'spec.template.metadata.labels',
    });
  }
  return causes;
}

/** Go's %#v of a LabelSelector, as immutable-field messages print it. */
function describeSelector(selector: unknown): string {
  const s = isObject(selector) ? selector : {};
  const labels = isObject(s['matchLabels']) ? describeLabels(s['matchLabels'] as Record<string, string>) : 'map[string]string(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

function describeLabels(labels: Record<string, unknown>): string {
  const entries = Object.keys(labels)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(labels[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}
