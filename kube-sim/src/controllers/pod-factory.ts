import { randomSuffix } from '../api/api-server';
import { JsonObject, KubeObject, clone, isObject } from '../json-value';
import { controllerReference } from './owner-references';

/** A Pod from a workload's pod template, owned by the workload. */
export function podFromTemplate(
  owner: KubeObject,
  template: JsonObject,
  name?: string,
  extraLabels: Record<string, string> = {},
): KubeObject {
  const metadata = isObject(template['metadata']) ? clone(template['metadata']) : {};
  delete metadata['creationTimestamp'];
  const labels = { ...(isObject(metadata['labels']) ? metadata['labels'] : {}), ...extraLabels };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...metadata,
      ...(name ? { name } : { name: `${owner.metadata.name}-${randomSuffix()}`, generateName: `${owner.metadata.name}-` }),
      namespace: String(owner.metadata['namespace']),
      labels,
      ownerReferences: [controllerReference(owner)],
    },
    spec: isObject(template['spec']) ? clone(template['spec']) : {},
  };
}

/** A short stable hash of a pod template, like the pod-template-hash label. */
export function templateHash(template: unknown): string {
  let h = 2166136261;
  for (const ch of JSON.stringify(template)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 9; i++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) || Math.imul(h ^ i, 2654435761) >>> 0;
  }
  return out;
}
