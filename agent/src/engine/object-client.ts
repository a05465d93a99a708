import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import { Agent as HttpAgent, request as httpRequest, type Agent, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';
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

/** How long one API request (not a watch) may take before it is abandoned, by default. */
const REQUEST_TIMEOUT_MS = 60_000;

/** TLS settings of a connection pool: a pool is kept while these stay the same. */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * KubernetesObjectApi plus what the stock class does not give: the HTTP status of a write
 * (created vs. updated), a server-side apply (and its dry-run) that sends the manifest
 * exactly as written and answers plain JSON (the stock methods pass objects through typed
 * models, which drop fields they do not know and turn timestamps into Dates), list and watch
 * of one kind with a label selector, delete with a propagation policy, and discovery.
 *
 * The engine's own requests (apply, dry-run, read, delete, list) take a short path: the
 * KubeConfig still authenticates each one (applyToHTTPSOptions: tokens, exec plugins, client
 * certificates, proxies), but the request goes straight to node:http(s) over one keep-alive
 * pool instead of through the generated client's middleware, fetch shim and per-request
 * agent — a sync makes two requests per object, and that path cost the agent about half a
 * millisecond of CPU each (test/bench/agent-sync.ts). Discovery, watches and the typed APIs
 * stay on the stock path.
 */
export class ObjectClient extends KubernetesObjectApi {
  private kubeConfig: KubeConfig | undefined;
  private pool: { agent: Agent; tls: readonly unknown[] } | undefined;
  private requestTimeoutMs = REQUEST_TIMEOUT_MS;
  private readonly discovering = new Map<string, Promise<V1APIResource | undefined>>();

  static fromKubeConfig(kc: KubeConfig, options: { requestTimeoutMs?: number } = {}): ObjectClient {
    const client = kc.makeApiClient(ObjectClient);
    client.setDefaultNamespace(kc);
    client.kubeConfig = kc;
    client.requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
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
    const query: Record<string, string> = { fieldManager: FIELD_MANAGER, force: 'true' };
    if (options.dryRun) query['dryRun'] = 'All';
    const answer = await this.send('PATCH', await this.objectPath(object), query, {
      contentType: PatchStrategy.ServerSideApply,
      text: JSON.stringify(object),
    });
    return { object: answer.object, httpStatus: answer.status };
  }

  /** The live object, or undefined when it does not exist. */
  async readIfExists(ref: ObjectKey): Promise<KubernetesObject | undefined> {
    try {
      return (await this.send('GET', await this.objectPath(manifestOf(ref)))).object;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  /** Deletes the object in the background (dependents are collected later); false if it was gone. */
  async deleteInBackground(ref: ObjectKey): Promise<boolean> {
    try {
      await this.send('DELETE', await this.objectPath(manifestOf(ref)), { propagationPolicy: 'Background' });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return false;
      throw error;
    }
  }

  /** Every object of a kind, in all namespaces, that matches the label selector. */
  async listAll(apiVersion: string, kind: string, labelSelector: string): Promise<ObjectList> {
    const answer = await this.send('GET', await this.collectionPath(apiVersion, kind), labelSelector ? { labelSelector } : {});
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

  /**
   * One request on the short path: JSON in and out. A 2xx answer is parsed; anything else
   * throws ApiException(code, …, body text), as the stock client does, so callers handle both
   * paths alike. Request bodies never appear in errors (they may hold Secret values).
   */
  private async send(
    method: 'GET' | 'PATCH' | 'DELETE',
    path: string,
    query: Record<string, string> = {},
    body?: { contentType: string; text: string },
  ): Promise<{ status: number; object: KubernetesObject }> {
    if (!this.kubeConfig) throw new Error('ObjectClient requests need a client made by fromKubeConfig');
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(server);
    const search = new URLSearchParams(query).toString();
    const options: RequestOptions & { rejectUnauthorized?: boolean } = {
      method,
      headers: {
        Accept: 'application/json',
        ...(body ? { 'Content-Type': body.contentType, 'Content-Length': Buffer.byteLength(body.text) } : {}),
      },
    };
    await this.kubeConfig.applyToHTTPSOptions(options as never);
    options.agent = this.sharedAgent(options as Record<string, unknown>, url.protocol === 'https:');
    const basePath = url.pathname.replace(/\/$/, '');
    const target = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${basePath}${path}${search ? `?${search}` : ''}`,
    };
    const { status, text, headers } = await new Promise<{ status: number; text: string; headers: IncomingHttpHeaders }>(
      (resolve, reject) => {
        const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)({ ...options, ...target }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers }),
          );
          response.on('error', reject);
        });
        const timeoutMs = this.requestTimeoutMs;
        request.setTimeout(timeoutMs, () =>
          request.destroy(new Error(`${method} ${path}: no answer from the API server within ${timeoutMs} ms`)),
        );
        request.on('error', reject);
        request.end(body?.text);
      },
    );
    if (status < 200 || status > 299) throw new ApiException(status, `${method} ${path}`, text, headers as Record<string, string>);
    try {
      return { status, object: JSON.parse(text) as KubernetesObject };
    } catch {
      throw new ApiException(status, `${method} ${path}: the answer is not JSON`, text.slice(0, 200), headers as Record<string, string>);
    }
  }

  /**
   * The keep-alive pool for requests with these TLS settings. KubeConfig hands out a fresh
   * agent (so a fresh TLS handshake) per request; one pool is kept instead, and replaced when
   * the settings change (a rotated client certificate, say). A proxy's agent is used as given.
   */
  private sharedAgent(options: Record<string, unknown>, https: boolean): Agent {
    const given = options['agent'] as Agent | undefined;
    if (given && given.constructor !== HttpAgent && given.constructor !== HttpsAgent) return given; // a proxy's
    const tls = TLS_KEYS.map((key) => options[key]);
    const same = this.pool && tls.every((value, i) => sameSetting(value, this.pool!.tls[i]));
    if (!same) {
      // Requests still on the old pool finish (or time out) before its connections are closed.
      const old = this.pool?.agent;
      if (old) setTimeout(() => old.destroy(), this.requestTimeoutMs).unref();
      const settings = Object.fromEntries(
        TLS_KEYS.map((key, i) => [key, tls[i]]).filter(([, value]) => value !== undefined),
      ) as HttpsAgentOptions;
      this.pool = {
        agent: https
          ? new HttpsAgent({ ...settings, keepAlive: true, maxSockets: 32 })
          : new HttpAgent({ keepAlive: true, maxSockets: 32 }),
        tls,
      };
    }
    return this.pool!.agent;
  }

  /** Closes the pooled connections (the client stays usable; a new pool opens on demand). */
  close(): void {
    this.pool?.agent.destroy();
    this.pool = undefined;
  }

  /**
   * The object's URL path. Built here rather than by the stock specUriPath, which lower-cases
   * the whole path and so breaks names with capitals (valid for RBAC objects, for example).
   */
  private async objectPath(object: ManifestObject): Promise<string> {
    const resource = await this.discover(object.apiVersion, object.kind);
    const namespace = resource.namespaced ? `/namespaces/${encodeURIComponent(object.metadata.namespace || this.defaultNamespace)}` : '';
    return `${groupVersionPath(object.apiVersion)}${namespace}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
  }

  private async collectionPath(apiVersion: string, kind: string): Promise<string> {
    const resource = await this.discover(apiVersion, kind);
    return `${groupVersionPath(apiVersion)}/${resource.name}`;
  }

  /**
   * The kind's API resource. The stock resource() caches per group/version but does not
   * share a lookup in flight, so the first burst of a sync (16 requests at once) would ask
   * discovery 16 times; concurrent callers share one lookup here.
   */
  private async discover(apiVersion: string, kind: string): Promise<V1APIResource> {
    const key = `${apiVersion}|${kind}`;
    let pending = this.discovering.get(key);
    if (!pending) {
      pending = this.lookUp(apiVersion, kind).finally(() => this.discovering.delete(key));
      this.discovering.set(key, pending);
    }
    const resource = await pending;
    if (!resource) throw new UnknownKindError(apiVersion, kind);
    return resource;
  }

  private async lookUp(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    try {
      return await this.resource(apiVersion, kind);
    } catch (error) {
      // A group/version the server does not serve at all answers 404.
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }
}

/** The cluster does not serve this kind (its CRD is not installed, or not yet Established). */
export class UnknownKindError extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`the cluster has no kind ${kind} in ${apiVersion} (is its CustomResourceDefinition installed?)`);
    this.name = 'UnknownKindError';
  }
}

function sameSetting(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function manifestOf(ref: ObjectKey): ManifestObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

/** A KubeConfig from YAML text, or the default one (KUBECONFIG or in-cluster) when absent. */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromString(kubeconfig);
  else kc.loadFromDefault();
  return kc;
}
