import { ApiException, PatchStrategy, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Discovery, groupVersionPath, UnknownKindError } from './discovery';
import { contextNamespace } from './kubeconfig';
import { KubeTransport, REQUEST_TIMEOUT_MS } from './transport';

export { UnknownKindError } from './discovery';
export { loadKubeConfig } from './kubeconfig';

/** The agent's field manager for server-side apply. */
export const FIELD_MANAGER = 'gitfleet';

/** What apply accepts: a manifest with its identity set. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ObjectKey {
  apiVersion: string;
  kind: string;
  /** "" or absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

export interface AppliedObject {
  object: KubernetesObject;
  /** 201 when the apply created the object, 200 otherwise. */
  httpStatus: number;
}

/** A list answer: the items as the API sent them and the list's resourceVersion. */
export interface ObjectList {
  items: KubernetesObject[];
  resourceVersion: string;
}

/** One event of a watch, as the API sent it (BOOKMARK and ERROR included). */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubernetesObject & { code?: number; reason?: string };
}

export interface WatchHandle {
  stop(): void;
}

/**
 * What the agent asks of a cluster about its objects: server-side apply (and its dry-run) of
 * the manifest exactly as written, answered as plain JSON with the HTTP status (created vs.
 * updated); read; delete with a propagation policy; list and watch of one kind by label
 * selector; discovery. Put together from a transport (one keep-alive pool, authenticated by
 * the KubeConfig), discovery and client-node's Watch — the generated clients pass objects
 * through typed models that drop fields they do not know and turn timestamps into Dates.
 */
export class ObjectClient {
  private readonly discovery: Discovery;

  private constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly transport: KubeTransport,
  ) {
    this.discovery = new Discovery(transport);
  }

  static fromKubeConfig(kc: KubeConfig, options: { requestTimeoutMs?: number } = {}): ObjectClient {
    return new ObjectClient(kc, new KubeTransport(kc, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS));
  }

  /** Server-side apply with fieldManager gitfleet and force; `dryRun` asks for dryRun=All. */
  async apply(object: ManifestObject, options: { dryRun?: boolean } = {}): Promise<AppliedObject> {
    const query: Record<string, string> = { fieldManager: FIELD_MANAGER, force: 'true' };
    if (options.dryRun) query['dryRun'] = 'All';
    const answer = await this.transport.send('PATCH', await this.objectPath(object), query, {
      contentType: PatchStrategy.ServerSideApply,
      text: JSON.stringify(object),
    });
    return { object: answer.object, httpStatus: answer.status };
  }

  /** The live object, or undefined when it does not exist. */
  async readIfExists(ref: ObjectKey): Promise<KubernetesObject | undefined> {
    try {
      return (await this.transport.send('GET', await this.objectPath(manifestOf(ref)))).object;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Deletes the object in the background (dependents are collected later); false if it was gone. */
  async deleteInBackground(ref: ObjectKey): Promise<boolean> {
    try {
      await this.transport.send('DELETE', await this.objectPath(manifestOf(ref)), { propagationPolicy: 'Background' });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return false;
      throw error;
    }
  }

  /** Every object of a kind, in all namespaces, that matches the label selector. */
  async listAll(apiVersion: string, kind: string, labelSelector: string): Promise<ObjectList> {
    const answer = await this.transport.send('GET', await this.collectionPath(apiVersion, kind), labelSelector ? { labelSelector } : {});
    const list = answer.object as unknown as { items?: KubernetesObject[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /**
   * Watches a kind in all namespaces from a resourceVersion, with bookmarks. `done` is called
   * once when the watch ends, by the server, an error or stop().
   */
  async watchAll(
    apiVersion: string,
    kind: string,
    options: { labelSelector: string; resourceVersion: string; timeoutSeconds?: number },
    onEvent: (event: WatchEvent) => void,
    done: (error: unknown) => void,
  ): Promise<WatchHandle> {
    const path = await this.collectionPath(apiVersion, kind);
    const controller = await new Watch(this.kubeConfig).watch(
      path,
      {
        labelSelector: options.labelSelector || undefined,
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: options.timeoutSeconds ?? 300,
      },
      (type: string, object: unknown) => onEvent({ type: type as WatchEvent['type'], object: object as WatchEvent['object'] }),
      done,
    );
    return { stop: () => controller.abort() };
  }

  /** Whether the kind is namespaced, from discovery (cached; refetched for kinds not seen yet). */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.discovery.resource(apiVersion, kind)).namespaced;
  }

  /** Whether the cluster serves the kind now (after a CRD is Established, for example). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      await this.discovery.resource(apiVersion, kind);
      return true;
    } catch (error) {
      if (error instanceof UnknownKindError) return false;
      throw error;
    }
  }

  /** The namespace of the kubeconfig's context: where namespaced objects without one go. */
  get contextNamespace(): string {
    return contextNamespace(this.kubeConfig);
  }

  /** Closes the pooled connections (the client stays usable; a new pool opens on demand). */
  close(): void {
    this.transport.close();
  }

  /**
   * The object's URL path. Built here rather than by client-node's specUriPath, which
   * lower-cases the whole path and so breaks names with capitals (valid for RBAC objects).
   */
  private async objectPath(object: ManifestObject): Promise<string> {
    const resource = await this.discovery.resource(object.apiVersion, object.kind);
    const namespace = resource.namespaced ? `/namespaces/${encodeURIComponent(object.metadata.namespace || this.contextNamespace)}` : '';
    return `${groupVersionPath(object.apiVersion)}${namespace}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
  }

  private async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.discovery.resource(apiVersion, kind);
    return `${groupVersionPath(apiVersion)}/${resource.name}`;
  }
}

function manifestOf(ref: ObjectKey): ManifestObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}
