import { ApiError } from '../api-error';
import type { ApiServer } from '../api/api-server';
import { deleteObject } from '../api/deletion';
import type { DeleteOptions, ResourceRequest } from '../api/requests';
import type { ResourceType } from '../discovery/api-types';
import type { KubeObject } from '../json-value';

/**
 * How simulated controllers reach the API: in process, through the same ApiServer paths as
 * HTTP clients (so validation, managedFields and watch events behave alike).
 */
export class ClusterClient {
  constructor(
    private readonly api: ApiServer,
    readonly manager: string,
  ) {}

  type(apiVersion: string, kind: string): ResourceType | undefined {
    return this.api.discovery.resolveKind(apiVersion, kind);
  }

  private request(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name?: string,
    subresource?: string,
  ): ResourceRequest | undefined {
    const type = this.type(apiVersion, kind);
    if (!type) return undefined;
    return {
      type,
      ...(type.namespaced && namespace ? { namespace } : {}),
      ...(name ? { name } : {}),
      ...(subresource ? { subresource } : {}),
    };
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const request = this.request(apiVersion, kind, namespace, name);
    return request && this.api.find(request);
  }

  /** Objects of a kind (copies); `where`, if given, picks them before they are copied (read only). */
  list(apiVersion: string, kind: string, namespace?: string, where?: (stored: Readonly<KubeObject>) => boolean): KubeObject[] {
    const type = this.type(apiVersion, kind);
    return type ? this.api.store.list(this.api.typeKey(type), namespace, where) : [];
  }

  /** Lists every stored object of every type (garbage collection, namespace cleanup). */
  listAll(namespace?: string): { type: ResourceType; object: KubeObject }[] {
    const out: { type: ResourceType; object: KubeObject }[] = [];
    for (const typeKey of this.api.store.typeKeys()) {
      for (const object of this.api.store.list(typeKey, namespace)) {
        const type = this.type(object.apiVersion, object.kind);
        if (type && (namespace === undefined || type.namespaced)) out.push({ type, object });
      }
    }
    return out;
  }

  create(object: KubeObject): KubeObject | undefined {
    const request = this.request(object.apiVersion, object.kind, object.metadata['namespace'] as string | undefined);
    if (!request) return undefined;
    return this.attempt(() => this.api.create(request, object, { dryRun: false, fieldManager: this.manager }).body as KubeObject);
  }

  /** An Update of the main resource or of a subresource (status). */
  update(object: KubeObject, subresource?: string): KubeObject | undefined {
    const request = this.request(
      object.apiVersion,
      object.kind,
      object.metadata['namespace'] as string | undefined,
      object.metadata.name,
      subresource,
    );
    if (!request) return undefined;
    const live = this.api.find(request);
    if (!live) return undefined;
    return this.attempt(
      () => this.api.writeUpdate(request, live, object, { dryRun: false, fieldManager: this.manager }).body as KubeObject,
    );
  }

  delete(object: KubeObject, propagationPolicy: DeleteOptions['propagationPolicy'] = 'Background'): void {
    const request = this.request(object.apiVersion, object.kind, object.metadata['namespace'] as string | undefined, object.metadata.name);
    if (!request || !this.api.find(request)) return;
    this.attempt(() => deleteObject(this.api, request, { dryRun: false, ...(propagationPolicy ? { propagationPolicy } : {}) }));
  }

  /** Controllers retry on their next event; an API refusal is not a crash. */
  private attempt<T>(write: () => T): T | undefined {
    try {
      return write();
    } catch (error) {
      if (error instanceof ApiError) return undefined;
      throw error;
    }
  }
}
