import type { ApiServer } from '../api/api-server';
import { CRDS } from '../api/custom-resource-schema';
import { CRD_CLEANUP_FINALIZER } from '../api/deletion';
import { timestamp } from '../api/requests';
import { ClusterClient } from './cluster-client';
import { JsonObject, KubeObject, isObject } from '../json-value';
import type { StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';

/**
 * CustomResourceDefinitions, as kube-apiserver's own controllers handle them: accept the
 * names, mark the CRD Established and serve its group; on deletion remove every custom
 * resource, stop serving the group and let the CRD go.
 */
export class CrdController implements Controller {
  readonly name = 'customresourcedefinitions';
  private readonly client: ClusterClient;

  constructor(private readonly api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-apiserver');
  }

  keysFor(event: StoreEvent): string[] {
    return event.typeKey === CRDS && event.type !== 'DELETED' ? [event.object.metadata.name] : [];
  }

  reconcile(name: string): number | void {
    const crd = this.client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, name);
    if (!crd) return;
    const spec = crd['spec'] as JsonObject;
    const names = spec['names'] as JsonObject;
    const group = String(spec['group']);
    if (crd.metadata['deletionTimestamp']) return this.cleanUp(crd, group, String(names['plural']));
    const versions = (spec['versions'] as JsonObject[]).filter((v) => v['served'] !== false);
    this.api.discovery.registerCustomResource({
      group,
      versions: versions.map((v) => String(v['name'])),
      plural: String(names['plural']),
      singular: String(names['singular'] ?? String(names['kind']).toLowerCase()),
      kind: String(names['kind']),
      namespaced: spec['scope'] !== 'Cluster',
      ...(Array.isArray(names['shortNames']) ? { shortNames: names['shortNames'].map(String) } : {}),
      ...(Array.isArray(names['categories']) ? { categories: names['categories'].map(String) } : {}),
      statusSubresource: versions.some((v) => isObject(v['subresources']) && isObject(v['subresources']['status'])),
      scaleSubresource: versions.some((v) => isObject(v['subresources']) && isObject(v['subresources']['scale'])),
    });
    this.establish(crd, names);
  }

  private establish(crd: KubeObject, names: JsonObject): void {
    const status = isObject(crd['status']) ? crd['status'] : {};
    const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter(isObject) : [];
    if (conditions.some((c) => c['type'] === 'Established' && c['status'] === 'True')) return;
    const now = timestamp();
    const accepted: JsonObject = { ...names };
    accepted['singular'] ??= String(names['kind']).toLowerCase();
    accepted['listKind'] ??= `${String(names['kind'])}List`;
    this.client.update(
      {
        ...crd,
        status: {
          ...status,
          conditions: [
            { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
            {
              type: 'Established',
              status: 'True',
              lastTransitionTime: now,
              reason: 'InitialNamesAccepted',
              message: 'the initial names have been accepted',
            },
          ],
          acceptedNames: accepted,
        },
      },
      'status',
    );
  }

  private cleanUp(crd: KubeObject, group: string, plural: string): number | void {
    const type = this.api.discovery.customResources().find((c) => c.group === group && c.plural === plural);
    if (type) {
      const resolved = this.api.discovery.resolve(group, type.versions[0], plural);
      const remaining = resolved ? this.api.store.list(this.api.typeKey(resolved)) : [];
      for (const object of remaining)
        this.api.store.remove(this.api.typeKey(resolved!), String(object.metadata['namespace'] ?? ''), object.metadata.name);
      this.api.discovery.unregisterCustomResource(plural, group);
    }
    const finalizers = ((crd.metadata['finalizers'] as string[]) ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    this.client.update({ ...crd, metadata: { ...crd.metadata, finalizers } });
  }
}
