import { ApiException, type V1APIResource } from '@kubernetes/client-node';
import type { KubeTransport } from './transport';

/** The cluster does not serve this kind (its CRD is not installed, or not yet Established). */
export class UnknownKindError extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`the cluster has no kind ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`);
    this.name = 'UnknownKindError';
  }
}

interface ResourceList {
  resources?: V1APIResource[];
}

/**
 * Which resource serves a kind, from the API server's discovery documents. A group/version's
 * list is cached and fetched again when a kind is not in it yet (a CRD just Established);
 * concurrent lookups share one request, so the first burst of a sync (16 requests at once)
 * asks discovery once.
 */
export class Discovery {
  private readonly lists = new Map<string, V1APIResource[]>();
  private readonly inFlight = new Map<string, Promise<V1APIResource[] | undefined>>();

  constructor(private readonly transport: KubeTransport) {}

  /** The kind's API resource; throws UnknownKindError when the cluster does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<V1APIResource> {
    const found = findKind(this.lists.get(apiVersion), kind) ?? findKind(await this.fetch(apiVersion), kind);
    if (!found) throw new UnknownKindError(apiVersion, kind);
    return found;
  }

  private fetch(apiVersion: string): Promise<V1APIResource[] | undefined> {
    let pending = this.inFlight.get(apiVersion);
    if (!pending) {
      pending = this.load(apiVersion).finally(() => this.inFlight.delete(apiVersion));
      this.inFlight.set(apiVersion, pending);
    }
    return pending;
  }

  private async load(apiVersion: string): Promise<V1APIResource[] | undefined> {
    try {
      const list = (await this.transport.send('GET', groupVersionPath(apiVersion))).object as ResourceList;
      const resources = list.resources ?? [];
      this.lists.set(apiVersion, resources);
      return resources;
    } catch (error) {
      // A group/version the server does not serve at all answers 404.
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }
}

/** The kind's resource, never a subresource (deployments/status has kind Deployment too). */
function findKind(resources: V1APIResource[] | undefined, kind: string): V1APIResource | undefined {
  return resources?.find((resource) => resource.kind === kind && !resource.name.includes('/'));
}

export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}
