import type { StatusCause } from '../api-error';
import { JsonObject, JsonValue, deepEqual, isObject } from '../json-value';
import { matchesRequirements, requirementsOfLabelSelector } from '../selectors/label-selector';
import { forbidden, immutable, invalidValue, required } from './field-errors';
import { validatePodTemplate } from './pod-spec-validation';
import { validateCronSchedule } from './cron-schedule';

/** Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs (apps/v1, batch/v1). */

const specOf = (object: JsonObject): JsonObject => (isObject(object['spec']) ? object['spec'] : {});

/** Go's %#v of a LabelSelector, as selector messages print it. */
export function describeSelector(selector: unknown): string {
  const s = isObject(selector) ? selector : {};
  const labels = isObject(s['matchLabels']) ? describeLabels(s['matchLabels']) : 'map[string]string(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

function describeLabels(labels: Record<string, unknown>): string {
  const entries = Object.keys(labels)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(labels[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** Go's %#v of an IntOrString. */
function describeIntOrString(value: JsonValue): string {
  return typeof value === 'string'
    ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(value)}}`
    : `intstr.IntOrString{Type:0, IntVal:${String(value)}, StrVal:""}`;
}

function nonNegative(spec: JsonObject, field: string, path: string): StatusCause[] {
  const value = spec[field];
  return typeof value === 'number' && value < 0 ? [invalidValue(`${path}.${field}`, value, 'must be greater than or equal to 0')] : [];
}

/** The selector is required, must match the template's labels, and may not change. */
function selectorErrors(spec: JsonObject, liveSpec: JsonObject | undefined): StatusCause[] {
  const selector = spec['selector'];
  if (liveSpec && !deepEqual(liveSpec['selector'], selector)) return [immutable('spec.selector', selector, describeSelector(selector))];
  const requirements = requirementsOfLabelSelector(selector);
  if (requirements.length === 0) return [required('spec.selector')];
  const template = isObject(spec['template']) ? spec['template'] : {};
  const labels = isObject(template['metadata']) && isObject(template['metadata']['labels']) ? template['metadata']['labels'] : {};
  if (matchesRequirements(labels as Record<string, string>, requirements)) return [];
  return [invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`', describeLabels(labels))];
}

/** A percentage or a non-negative count, as maxSurge and maxUnavailable are. */
function intOrPercentErrors(value: JsonValue | undefined, path: string): StatusCause[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') {
    if (!/^[0-9]+%$/.test(value))
      return [
        invalidValue(
          path,
          value,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
          describeIntOrString(value),
        ),
      ];
    if (Number(value.slice(0, -1)) > 100) return [invalidValue(path, value, 'must not be greater than 100%', describeIntOrString(value))];
    return [];
  }
  return typeof value === 'number' && value < 0
    ? [invalidValue(path, value, 'must be greater than or equal to 0', describeIntOrString(value))]
    : [];
}

const isZero = (value: JsonValue | undefined) => value === 0 || value === '0%';

function strategyErrors(spec: JsonObject): StatusCause[] {
  const strategy = isObject(spec['strategy']) ? spec['strategy'] : {};
  const rolling = strategy['rollingUpdate'];
  if (strategy['type'] === 'Recreate')
    return isObject(rolling) ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
  if (!isObject(rolling)) return [];
  const path = 'spec.strategy.rollingUpdate';
  const causes = [
    ...intOrPercentErrors(rolling['maxUnavailable'], `${path}.maxUnavailable`),
    ...intOrPercentErrors(rolling['maxSurge'], `${path}.maxSurge`),
  ];
  if (causes.length === 0 && isZero(rolling['maxUnavailable']) && isZero(rolling['maxSurge']))
    causes.push(
      invalidValue(
        `${path}.maxUnavailable`,
        rolling['maxUnavailable'],
        'may not be 0 when `maxSurge` is 0',
        describeIntOrString(rolling['maxUnavailable']),
      ),
    );
  return causes;
}

export function validateWorkload(kind: string, object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  const spec = specOf(object);
  const liveSpec = live ? specOf(live) : undefined;
  const causes = [
    ...nonNegative(spec, 'replicas', 'spec'),
    ...nonNegative(spec, 'minReadySeconds', 'spec'),
    ...selectorErrors(spec, liveSpec),
  ];
  if (kind === 'Deployment') causes.push(...strategyErrors(spec));
  const claims = Array.isArray(spec['volumeClaimTemplates'])
    ? spec['volumeClaimTemplates'].filter(isObject).map((c) => String(isObject(c['metadata']) ? c['metadata']['name'] : ''))
    : [];
  causes.push(...validatePodTemplate(spec['template'], 'spec.template', 'workload', claims));
  if (kind === 'StatefulSet' && liveSpec) causes.push(...statefulSetUpdateErrors(spec, liveSpec));
  return causes;
}

const STATEFULSET_MUTABLE = ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function statefulSetUpdateErrors(spec: JsonObject, liveSpec: JsonObject): StatusCause[] {
  const fixed = (s: JsonObject) => Object.fromEntries(Object.entries(s).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (deepEqual(fixed(spec), fixed(liveSpec))) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export function validateJob(object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  const spec = specOf(object);
  const causes: StatusCause[] = [];
  for (const field of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished'])
    causes.push(...nonNegative(spec, field, 'spec'));
  const uid = String((object['metadata'] as JsonObject)?.['uid'] ?? '');
  if (spec['manualSelector'] !== true && !deepEqual(spec['selector'], { matchLabels: { 'controller-uid': uid } }))
    causes.push(invalidValue('spec.selector', spec['selector'], '`selector` not auto-generated', describeSelector(spec['selector'])));
  causes.push(...validatePodTemplate(spec['template'], 'spec.template', 'job'));
  if (live) {
    const liveSpec = specOf(live);
    for (const field of ['completions', 'completionMode', 'selector'])
      if (!deepEqual(spec[field], liveSpec[field])) causes.push(immutable(`spec.${field}`, spec[field]));
    // The real message prints the whole Go PodTemplateSpec.
    if (!deepEqual(spec['template'], liveSpec['template']))
      causes.push(immutable('spec.template', '<the pod template>', 'core.PodTemplateSpec{…}'));
  }
  return causes;
}

export function validateCronJob(object: JsonObject): StatusCause[] {
  const spec = specOf(object);
  const name = String((object['metadata'] as JsonObject)?.['name'] ?? '');
  const causes: StatusCause[] = [];
  // Its Jobs are named after it with an 11-character suffix.
  if (name.length > 52) causes.push(invalidValue('metadata.name', name, 'must be no more than 52 characters'));
  causes.push(...validateCronSchedule(spec['schedule'], 'spec.schedule'));
  const jobTemplate = isObject(spec['jobTemplate']) ? spec['jobTemplate'] : {};
  const jobSpec = isObject(jobTemplate['spec']) ? jobTemplate['spec'] : {};
  causes.push(...validatePodTemplate(jobSpec['template'], 'spec.jobTemplate.spec.template', 'job'));
  return causes;
}
