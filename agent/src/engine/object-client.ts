import {
  ApiException,
  HttpMethod,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import { Agent as HttpAgent, type Agent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { from } from 'rxjs';

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
 * KubernetesObjectApi plus what the stock class does not give: the HTTP status of a write
 * (created vs. updated), a server-side apply (and its dry-run) that sends the manifest
 * exactly as written and answers plain JSON (the stock methods pass objects through typed
 * models, which drop fields they do not know and turn timestamps into Dates), list and watch
 * of one kind with a label selector, delete with a propagation policy, and discovery.
 */
export class ObjectClient extends KubernetesObjectApi {
  private readonly statuses = new WeakMap<object, number>();
  private kubeConfig: KubeConfig | undefined;

  static fromKubeConfig(kc: KubeConfig): ObjectClient {
    const client = kc.makeApiClient(ObjectClient);
    client.setDefaultNamespace(kc);
    client.kubeConfig = kc;
    client.reuseConnections();
    return client;
  }

  /**
   * The stock client makes a new https.Agent — so a new TLS connection — for every request;
   * thousands of dry-runs and applies pay a handshake each. One keep-alive agent with the
   * same TLS settings, set after authentication, lets them share connections.
   */
  private reuseConnections(): void {
    let shared: Agent | undefined;
    this.configuration.middleware.push({
      pre: (context: RequestContext) => {
        const agent = context.getAgent();
        if (agent instanceof HttpsAgent) {
          shared ??= new HttpsAgent({ ...(agent as HttpsAgent & { options: HttpsAgentOptions }).options, keepAlive: true, maxSockets: 32 });
          context.setAgent(shared);
        } else if (agent instanceof HttpAgent && !(agent instanceof HttpsAgent)) {
          shared ??= new HttpAgent({ keepAlive: true, maxSockets: 32 });
          context.setAgent(shared);
        }
        return from(Promise.resolve(context));
      },
      post: (response: ResponseContext) => from(Promise.resolve(response)),
    } as never);
  }

  /** Server-side apply with fieldManager gitfleet and force; `dryRun` asks for dryRun=All. */
  async apply(object: ManifestObject, options: { dryRun?: boolean } = {}): Promise<AppliedObject> {
    const request = await this.request(await this.objectPath(object), HttpMethod.PATCH);
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
    const request = await this.request(await this.objectPath(manifestOf(ref)), HttpMethod.GET);
    try {
      return await this.requestPromise<KubernetesObject>(request, 'KubernetesObject');
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Deletes the object in the background (dependents are collected later); false if it was gone. */
  async deleteInBackground(ref: ObjectKey): Promise<boolean> {
    const request = await this.request(await this.objectPath(manifestOf(ref)), HttpMethod.DELETE);
    request.setQueryParam('propagationPolicy', 'Background');
    try {
      await this.requestPromise<KubernetesObject>(request, 'KubernetesObject');
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return false;
      throw error;
    }
  }

  /** Every object of a kind, in all namespaces, that matches the label selector. */
  async listAll(apiVersion: string, kind: string, labelSelector: string): Promise<ObjectList> {
    const request = await this.request(await this.collectionPath(apiVersion, kind), HttpMethod.GET);
    if (labelSelector) request.setQueryParam('labelSelector', labelSelector);
    const list = (await this.requestPromise<KubernetesObject>(request, 'KubernetesObject')) as unknown as {
      items?: KubernetesObject[];
      metadata?: { resourceVersion?: string };
    };
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
    if (!this.kubeConfig) throw new Error('ObjectClient.watchAll needs a client made by fromKubeConfig');
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
    return (await this.discover(apiVersion, kind)).namespaced;
  }

  /** Whether the cluster serves the kind now (after a CRD is Established, for example). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      await this.discover(apiVersion, kind);
      return true;
    } catch (error) {
      if (error instanceof UnknownKindError) return false;
      throw error;
    }
  }

  get contextNamespace(): string {
    return this.defaultNamespace;
  }

  private async request(path: string, method: HttpMethod): Promise<RequestContext> {
    const request = this.configuration.baseServer.makeRequestContext(path, method);
    request.setHeaderParam('Accept', 'application/json');
    return request;
  }

  /**
   * The object's URL path. Built here rather than by the stock specUriPath, which lower-cases
   * the whole path and so breaks names with capitals (valid for RBAC objects, for example).
   */
  private async objectPath(object: ManifestObject): Promise<string> {
    const resource = await this.discover(object.apiVersion, object.kind);
    const namespace = resource.namespaced
      ? `/namespaces/${encodeURIComponent(object.metadata.namespace || this.defaultNamespace)}`
      : '';
    return `${groupVersionPath(object.apiVersion)}${namespace}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
  }

  private async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.discover(apiVersion, kind);
    return `${groupVersionPath(apiVersion)}/${resource.name}`;
  }

  private async discover(apiVersion: string, kind: string): Promise<V1APIResource> {
    let resource: V1APIResource | undefined;
    try {
      resource = await this.resource(apiVersion, kind);
    } catch (error) {
      // A group/version the server does not serve at all answers 404.
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    if (!resource) throw new UnknownKindError(apiVersion, kind);
    return resource;
  }

  /** Plain JSON for every 2xx answer (no typed models); the stock handling otherwise. */
  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext, type?: string): Promise<T> {
    if (type !== 'KubernetesObject' || response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      return super.processResponse<T>(response, type);
    }
    const result = JSON.parse(await response.body.text()) as T;
    if (typeof result === 'object' && result !== null) this.statuses.set(result, response.httpStatusCode);
    return result;
  }
}

/** The cluster does not serve this kind (its CRD is not installed, or not yet Established). */
export class UnknownKindError extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`the cluster has no kind ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`);
    this.name = 'UnknownKindError';
  }
}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function manifestOf(ref: ObjectKey): ManifestObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

/** A KubeConfig from YAML text, or the default one (KUBECONFIG or in-cluster) when absent. */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromString(kubeconfig);
  else kc.loadFromDefault();
  return kc;
}
