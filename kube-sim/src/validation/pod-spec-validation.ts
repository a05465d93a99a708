import type { StatusCause } from '../api-error';
import { JsonObject, deepEqual, isObject } from '../json-value';
import { quantityNumber } from '../schema/quantity';
import { duplicate, forbidden, invalidValue, notFound, notSupported, required } from './field-errors';
import { nameErrors } from './object-names';

/** Where a pod spec sits, which decides the restart policies it may have. */
export type PodSpecContext = 'pod' | 'workload' | 'job';

const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** The common mistakes ValidatePodSpec catches, with its fields and wording. */
export function validatePodSpec(spec: JsonObject, path: string, context: PodSpecContext, claimVolumes: string[] = []): StatusCause[] {
  const causes: StatusCause[] = [];
  const volumes = new Set<string>(claimVolumes);
  for (const [i, volume] of objects(spec['volumes']).entries()) {
    const name = String(volume['name'] ?? '');
    if (name === '') causes.push(required(`${path}.volumes[${i}].name`));
    else if (volumes.has(name)) causes.push(duplicate(`${path}.volumes[${i}].name`, name));
    else causes.push(...nameErrors(`${path}.volumes[${i}].name`, name, 'label'));
    volumes.add(name);
  }
  const names = new Set<string>();
  const containers = objects(spec['containers']);
  if (containers.length === 0) causes.push(required(`${path}.containers`));
  for (const [list, items] of [
    ['containers', containers],
    ['initContainers', objects(spec['initContainers'])],
  ] as const) {
    for (const [i, container] of items.entries()) {
      const at = `${path}.${list}[${i}]`;
      const name = String(container['name'] ?? '');
      if (name === '') causes.push(required(`${at}.name`));
      else if (names.has(name)) causes.push(duplicate(`${at}.name`, name));
      else causes.push(...nameErrors(`${at}.name`, name, 'label'));
      names.add(name);
      if (!container['image']) causes.push(required(`${at}.image`));
      for (const [j, port] of objects(container['ports']).entries()) {
        const number = Number(port['containerPort'] ?? 0);
        if (!(number >= 1 && number <= 65535))
          causes.push(invalidValue(`${at}.ports[${j}].containerPort`, number, 'must be between 1 and 65535, inclusive'));
      }
      for (const [j, mount] of objects(container['volumeMounts']).entries()) {
        if (!volumes.has(String(mount['name'] ?? ''))) causes.push(notFound(`${at}.volumeMounts[${j}].name`, mount['name'] ?? ''));
      }
      causes.push(...resourceErrors(container['resources'], `${at}.resources`));
    }
  }
  const policy = String(spec['restartPolicy'] ?? 'Always');
  if (context === 'workload' && policy !== 'Always') causes.push(notSupported(`${path}.restartPolicy`, policy, ['Always']));
  if (context === 'job' && policy !== 'OnFailure' && policy !== 'Never')
    causes.push(required(`${path}.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  return causes;
}

/** A request may not exceed its limit. */
function resourceErrors(resources: unknown, path: string): StatusCause[] {
  if (!isObject(resources) || !isObject(resources['requests']) || !isObject(resources['limits'])) return [];
  const limits = resources['limits'];
  const causes: StatusCause[] = [];
  for (const [name, request] of Object.entries(resources['requests'])) {
    const limit = limits[name];
    if (limit === undefined || typeof request !== 'string' || typeof limit !== 'string') continue;
    if (quantityNumber(request) > quantityNumber(limit))
      causes.push(invalidValue(`${path}.requests`, request, `must be less than or equal to ${name} limit`));
  }
  return causes;
}

/** A pod template's spec; a StatefulSet's volume claim templates count as volumes. */
export function validatePodTemplate(template: unknown, path: string, context: PodSpecContext, claimVolumes: string[] = []): StatusCause[] {
  const spec = isObject(template) && isObject(template['spec']) ? template['spec'] : {};
  return validatePodSpec(spec, `${path}.spec`, context, claimVolumes);
}

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A Pod's spec is fixed once created but for images, the deadline and added tolerations. */
export function podUpdateErrors(spec: JsonObject, liveSpec: JsonObject): StatusCause[] {
  const fixedPart = (s: JsonObject): JsonObject => {
    const copy: JsonObject = { ...s };
    for (const field of ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds']) delete copy[field];
    for (const list of ['containers', 'initContainers'])
      if (Array.isArray(copy[list])) copy[list] = objects(copy[list]).map(({ image: _image, ...rest }) => rest);
    return copy;
  };
  const kept = objects(liveSpec['tolerations']).every((t) => objects(spec['tolerations']).some((n) => deepEqual(n, t)));
  // The real message follows with a diff of the Go PodSpec.
  return deepEqual(fixedPart(spec), fixedPart(liveSpec)) && kept ? [] : [forbidden('spec', POD_UPDATE_MESSAGE)];
}
