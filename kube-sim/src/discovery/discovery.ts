import { createHash } from 'node:crypto';
import { BUILTIN_GROUPS, BUILTIN_RESOURCES, BUILTIN_VERSION_INFO } from './builtin-api-resources';
import type { ApiGroupInfo, ApiResourceInfo, ResourceType } from './api-types';

/** The verbs a CRD-served resource gets, in the order kube-apiserver lists them. */
const CUSTOM_RESOURCE_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

export interface CustomResourceRegistration {
  group: string;
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  statusSubresource: boolean;
  scaleSubresource?: boolean;
}

/**
 * What the API serves: the built-in resource lists from the transcript plus the groups
 * that Established CRDs add. Answers both discovery requests and path resolution.
 */
export class Discovery {
  private readonly custom = new Map<string, CustomResourceRegistration>(); // key: plural.group

  versionInfo(): object {
    return BUILTIN_VERSION_INFO;
  }

  coreVersions(serverAddress: string): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  groupList(): object {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups() };
  }

  group(name: string): object | undefined {
    const group = this.groups().find((g) => g.name === name);
    return group && { kind: 'APIGroup', apiVersion: 'v1', ...group };
  }

  /** The APIResourceList of one group version, or undefined when it is not served. */
  resourceList(group: string, version: string): object | undefined {
    const groupVersion = group === '' ? version : `${group}/${version}`;
    const resources = this.resourcesOf(group, version);
    if (!resources) return undefined;
    const list: Record<string, unknown> = { kind: 'APIResourceList' };
    if (group !== '') list['apiVersion'] = 'v1';
    list['groupVersion'] = groupVersion;
    list['resources'] = resources;
    return list;
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.resourcesOf(group, version) !== undefined;
  }

  /** Resolves a path's group/version/resource to a type; undefined when not served. */
  resolve(group: string, version: string, resource: string): ResourceType | undefined {
    const resources = this.resourcesOf(group, version);
    const info = resources?.find((r) => r.name === resource);
    if (!info) return undefined;
    const subresources = resources!.filter((r) => r.name.startsWith(`${resource}/`)).map((r) => r.name.slice(resource.length + 1));
    return {
      group,
      version,
      resource,
      kind: info.kind,
      namespaced: info.namespaced,
      subresources,
      custom: this.custom.has(`${resource}.${group}`),
    };
  }

  /** Finds the type serving a kind in an apiVersion (used by controllers and GC). */
  resolveKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const info = this.resourcesOf(group, version)?.find((r) => r.kind === kind && !r.name.includes('/'));
    return info && this.resolve(group, version, info.name);
  }

  registerCustomResource(registration: CustomResourceRegistration): void {
    this.custom.set(`${registration.plural}.${registration.group}`, registration);
  }

  unregisterCustomResource(plural: string, group: string): void {
    this.custom.delete(`${plural}.${group}`);
  }

  customResources(): CustomResourceRegistration[] {
    return [...this.custom.values()];
  }

  private groups(): ApiGroupInfo[] {
    const groups = BUILTIN_GROUPS.map((g) => ({ ...g }));
    for (const crd of this.custom.values()) {
      let group = groups.find((g) => g.name === crd.group);
      if (!group) {
        const first = { groupVersion: `${crd.group}/${crd.versions[0]}`, version: crd.versions[0] };
        group = { name: crd.group, versions: [], preferredVersion: first };
        groups.push(group);
      }
      for (const version of crd.versions) {
        if (!group.versions.some((v) => v.version === version)) {
          group.versions = [...group.versions, { groupVersion: `${crd.group}/${version}`, version }];
        }
      }
    }
    return groups;
  }

  private resourcesOf(group: string, version: string): ApiResourceInfo[] | undefined {
    const groupVersion = group === '' ? version : `${group}/${version}`;
    const builtin = BUILTIN_RESOURCES[groupVersion];
    const custom = [...this.custom.values()].filter((c) => c.group === group && c.versions.includes(version));
    const listedGroup = BUILTIN_GROUPS.some((g) => g.versions.some((v) => v.groupVersion === groupVersion));
    if (!builtin && custom.length === 0 && !listedGroup && groupVersion !== 'v1') return undefined;
    // Groups the recorded server lists but whose documents were not recorded are served empty,
    // so that clients walking /apis (kubectl) find every listed group version.
    const resources = [...(builtin ?? [])];
    for (const crd of custom) resources.push(...customResourceInfos(crd, version));
    return resources;
  }
}

function customResourceInfos(crd: CustomResourceRegistration, version: string): ApiResourceInfo[] {
  const main: ApiResourceInfo = {
    name: crd.plural,
    singularName: crd.singular,
    namespaced: crd.namespaced,
    kind: crd.kind,
    verbs: CUSTOM_RESOURCE_VERBS,
  };
  if (crd.shortNames?.length) main.shortNames = crd.shortNames;
  if (crd.categories?.length) main.categories = crd.categories;
  main.storageVersionHash = storageVersionHash(crd.group, version, crd.kind);
  const infos = [main];
  if (crd.statusSubresource) {
    infos.push({
      name: `${crd.plural}/status`,
      singularName: '',
      namespaced: crd.namespaced,
      kind: crd.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (crd.scaleSubresource) {
    infos.push({
      name: `${crd.plural}/scale`,
      singularName: '',
      namespaced: crd.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  }
  return infos;
}

/** The hash kube-apiserver publishes: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}
