/** Shapes of the discovery documents, as the API serves them. */
export interface ApiResourceInfo {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

export interface GroupVersionRef {
  groupVersion: string;
  version: string;
}

export interface ApiGroupInfo {
  name: string;
  versions: GroupVersionRef[];
  preferredVersion: GroupVersionRef;
}

/** One servable resource type: what a request path resolves to. */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  resource: string; // plural, e.g. 'configmaps'
  kind: string;
  namespaced: boolean;
  /** Subresources served for objects of this type (status, scale ...). */
  subresources: string[];
  /** True for types served from a CustomResourceDefinition. */
  custom: boolean;
}

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** "Deployment.apps", "ConfigMap": how API messages name a kind. */
export function qualifiedKind(type: Pick<ResourceType, 'group' | 'kind'>): string {
  return type.group === '' ? type.kind : `${type.kind}.${type.group}`;
}
