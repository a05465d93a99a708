import {
  ApiException,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';

/** The agent's field manager for server-side apply. */
export const FIELD_MANAGER = 'gitfleet';

/** What apply accepts: a manifest with its identity set. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
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

/**
 * KubernetesObjectApi plus what the stock class does not give: the HTTP status of a write
 * (created vs. updated), a server-side apply that sends the manifest exactly as written (the
 * stock `patch` passes it through typed models, which drop fields they do not know), and
 * discovery of whether a kind is namespaced.
 */
export class ObjectClient extends KubernetesObjectApi {
  private readonly statuses = new WeakMap<object, number>();

  static fromKubeConfig(kc: KubeConfig): ObjectClient {
    const client = kc.makeApiClient(ObjectClient);
    client.setDefaultNamespace(kc);
    return client;
  }

  /** Server-side apply with fieldManager gitfleet and force. */
  async apply(object: ManifestObject, options: { dryRun?: boolean } = {}): Promise<AppliedObject> {
    const request = this.configuration.baseServer.makeRequestContext(await this.objectPath(object), HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', FIELD_MANAGER);
    request.setQueryParam('force', 'true');
    if (options.dryRun) request.setQueryParam('dryRun', 'All');
    request.setBody(JSON.stringify(object));
    const applied = await this.requestPromise<KubernetesObject>(request, 'KubernetesObject');
    return { object: applied, httpStatus: this.statuses.get(applied) ?? 200 };
  }

  /** The live object, or undefined when it does not exist. */
  async readIfExists(ref: ObjectKey): Promise<KubernetesObject | undefined> {
    const object = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
    const request = this.configuration.baseServer.makeRequestContext(await this.objectPath(object), HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    try {
      return await this.requestPromise<KubernetesObject>(request, 'KubernetesObject');
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /**
   * The object's URL path. Built here rather than by the stock specUriPath, which lower-cases
   * the whole path and so breaks names with capitals (valid for RBAC objects, for example).
   */
  private async objectPath(object: ManifestObject): Promise<string> {
    const resource = await this.discover(object.apiVersion, object.kind);
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const namespace = resource.namespaced
      ? `/namespaces/${encodeURIComponent(object.metadata.namespace || this.defaultNamespace)}`
      : '';
    return `${base}${namespace}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
  }

  /** Whether the kind is namespaced, from discovery (cached; refetched for kinds not seen yet). */
  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.discover(apiVersion, kind)).namespaced;
  }

  private async discover(apiVersion: string, kind: string): Promise<V1APIResource> {
    let resource: V1APIResource | undefined;
    try {
      resource = await this.resource(apiVersion, kind);
    } catch (error) {
      // A group/version the server does not serve at all answers 404.
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    if (!resource) {
      throw new Error(`the cluster has no kind ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`);
    }
    return resource;
  }

  get contextNamespace(): string {
    return this.defaultNamespace;
  }

  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext, type?: string): Promise<T> {
    const result = await super.processResponse<T>(response, type);
    if (typeof result === 'object' && result !== null) {
      this.statuses.set(result, response.httpStatusCode);
    }
    return result;
  }
}

/** A KubeConfig from YAML text, or the default one (KUBECONFIG or in-cluster) when absent. */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromString(kubeconfig);
  else kc.loadFromDefault();
  return kc;
}
