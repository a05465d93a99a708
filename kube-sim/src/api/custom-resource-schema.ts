import type { ResourceType } from '../discovery/api-types';
import { isObject } from '../json-value';
import { ObjectStore, typeKeyOf } from '../store/object-store';
import type { Schema } from '../validation/structural-schema';

export const CRDS = typeKeyOf('apiextensions.k8s.io', 'customresourcedefinitions');

/** The openAPIV3Schema of a custom resource's version, read from its CRD. */
export function customResourceSchema(store: ObjectStore, type: ResourceType): Schema | undefined {
  const crd = store.get(CRDS, '', `${type.resource}.${type.group}`);
  const spec = crd && isObject(crd['spec']) ? crd['spec'] : undefined;
  const versions = spec && Array.isArray(spec['versions']) ? spec['versions'].filter(isObject) : [];
  const version = versions.find((v) => v['name'] === type.version);
  const schema = version && isObject(version['schema']) ? version['schema']['openAPIV3Schema'] : undefined;
  return isObject(schema) ? schema : undefined;
}
