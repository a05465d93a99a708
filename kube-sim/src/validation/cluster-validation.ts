import { isIP } from 'node:net';
import type { StatusCause } from '../api-error';
import { JsonObject, deepEqual, isObject } from '../json-value';
import { forbidden, immutable, invalidValue, required } from './field-errors';

/**
 * The policy, networking, storage, scheduling, RBAC and admission kinds: the rules and the
 * update restrictions kube-apiserver v1.24 applies to them, worded as it words them.
 */

const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);
const specOf = (object: JsonObject): JsonObject => (isObject(object['spec']) ? object['spec'] : {});

function backendErrors(backend: unknown, path: string): StatusCause[] {
  const service = isObject(backend) && isObject(backend['service']) ? backend['service'] : undefined;
  const port = service && isObject(service['port']) ? service['port'] : undefined;
  if (port && port['name'] !== undefined && port['number'] !== undefined)
    return [invalidValue(path, '', 'cannot set both port name & port number')];
  return [];
}

export function validateIngress(object: JsonObject): StatusCause[] {
  const spec = specOf(object);
  const causes = backendErrors(spec['defaultBackend'], 'spec.defaultBackend');
  for (const [i, rule] of objects(spec['rules']).entries()) {
    const http = isObject(rule['http']) ? rule['http'] : {};
    for (const [j, path] of objects(http['paths']).entries()) {
      const at = `spec.rules[${i}].http.paths[${j}]`;
      if (path['pathType'] === undefined) causes.push(required(`${at}.pathType`, 'pathType must be specified'));
      causes.push(...backendErrors(path['backend'], `${at}.backend`));
    }
  }
  return causes;
}

function validCidr(cidr: string): boolean {
  const [address, bits, ...rest] = cidr.split('/');
  const family = isIP(address ?? '');
  return rest.length === 0 && family !== 0 && bits !== undefined && /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function validateNetworkPolicy(object: JsonObject): StatusCause[] {
  const spec = specOf(object);
  const causes: StatusCause[] = [];
  for (const [direction, peers] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    for (const [i, rule] of objects(spec[direction]).entries()) {
      for (const [j, peer] of objects(rule[peers]).entries()) {
        const block = isObject(peer['ipBlock']) ? peer['ipBlock'] : undefined;
        const cidr = block?.['cidr'];
        if (block && (typeof cidr !== 'string' || !validCidr(cidr)))
          causes.push(invalidValue(`spec.${direction}[${i}].${peers}[${j}].ipBlock.cidr`, cidr ?? '', 'not a valid CIDR'));
      }
    }
  }
  return causes;
}

export function validatePodDisruptionBudget(object: JsonObject): StatusCause[] {
  const spec = specOf(object);
  if (spec['minAvailable'] === undefined || spec['maxUnavailable'] === undefined) return [];
  // The real message prints the spec's Go pointers.
  return [invalidValue('spec', '', 'minAvailable and maxUnavailable cannot be both set', 'policy.PodDisruptionBudgetSpec{…}')];
}

export function validateHorizontalPodAutoscaler(object: JsonObject): StatusCause[] {
  const spec = specOf(object);
  const min = Number(spec['minReplicas'] ?? 1);
  const max = Number(spec['maxReplicas'] ?? 0);
  const causes: StatusCause[] = [];
  if (min < 1) causes.push(invalidValue('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < min) causes.push(invalidValue('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  return causes;
}

export function validatePriorityClass(object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  const value = Number(object['value'] ?? 0);
  const causes: StatusCause[] = [];
  if (value > 1_000_000_000) causes.push(forbidden('value', 'maximum allowed value of a user defined priority is 1000000000'));
  if (live && live['value'] !== object['value']) causes.push(forbidden('Value', 'may not be changed in an update.'));
  return causes;
}

export function validateStorageClass(object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!object['provisioner']) causes.push(required('provisioner'));
  if (!live) return causes;
  for (const field of ['parameters', 'provisioner', 'reclaimPolicy'])
    if (!deepEqual(object[field] ?? null, live[field] ?? null)) causes.push(forbidden(field, `updates to ${field} are forbidden.`));
  if (object['volumeBindingMode'] !== live['volumeBindingMode']) causes.push(immutable('volumeBindingMode', object['volumeBindingMode']));
  return causes;
}

export function validateWebhookConfiguration(object: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [i, webhook] of objects(object['webhooks']).entries()) {
    const at = `webhooks[${i}]`;
    const name = String(webhook['name'] ?? '');
    if (name.split('.').length < 3)
      causes.push(invalidValue(`${at}.name`, name, 'should be a domain with at least three segments separated by dots'));
    if (webhook['sideEffects'] === undefined) causes.push(required(`${at}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
    if (!Array.isArray(webhook['admissionReviewVersions']) || webhook['admissionReviewVersions'].length === 0)
      causes.push(required(`${at}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
  }
  return causes;
}

export function validateRole(object: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [i, rule] of objects(object['rules']).entries())
    if (!Array.isArray(rule['verbs']) || rule['verbs'].length === 0)
      causes.push(required(`rules[${i}].verbs`, 'verbs must contain at least one value'));
  return causes;
}

export function validateRoleBinding(object: JsonObject, live: JsonObject | undefined, clusterScoped: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [i, subject] of objects(object['subjects']).entries())
    if (subject['kind'] === 'ServiceAccount' && clusterScoped && !subject['namespace']) causes.push(required(`subjects[${i}].namespace`));
  if (live && !deepEqual(object['roleRef'], live['roleRef'])) {
    const ref = isObject(object['roleRef']) ? object['roleRef'] : {};
    const shown = `rbac.RoleRef{APIGroup:${JSON.stringify(ref['apiGroup'] ?? '')}, Kind:${JSON.stringify(ref['kind'] ?? '')}, Name:${JSON.stringify(ref['name'] ?? '')}}`;
    causes.push(invalidValue('roleRef', ref, 'cannot change roleRef', shown));
  }
  return causes;
}

export function validatePersistentVolumeClaim(object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  const spec = specOf(object);
  const causes: StatusCause[] = [];
  if (!Array.isArray(spec['accessModes']) || spec['accessModes'].length === 0)
    causes.push(required('spec.accessModes', 'at least 1 access mode is required'));
  const resources = isObject(spec['resources']) ? spec['resources'] : {};
  const requests = isObject(resources['requests']) ? resources['requests'] : {};
  if (requests['storage'] === undefined) causes.push(required('spec.resources[storage]'));
  if (live) {
    const without = (s: JsonObject) => ({ ...s, resources: { ...(isObject(s['resources']) ? s['resources'] : {}), requests: null } });
    // The real message follows with a diff of the Go spec.
    if (!deepEqual(without(spec), without(specOf(live))))
      causes.push(forbidden('spec', 'spec is immutable after creation except resources.requests for bound claims'));
  }
  return causes;
}
