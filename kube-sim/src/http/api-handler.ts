import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  forbidden,
  methodNotAllowed,
  pageNotFound,
  resourceNotServed,
  unauthorized,
  unsupportedMediaType,
  statusBody,
} from '../api-error';
import type { ApiServer } from '../api/api-server';
import { deleteObject } from '../api/deletion';
import { listObjects } from '../api/list';
import { DeleteOptions, PATCH_CONTENT_TYPES, ResourceRequest, WriteOptions } from '../api/requests';
import { JsonObject, KubeObject, isObject } from '../json-value';
import { tableOf, wantsTable } from './table';
import { decodeBody, readBody } from './request-body';
import { Route, parseRoute } from './route';
import { serveWatch } from './watch-stream';

export interface HandlerSettings {
  token: string;
  /** host:port as /api reports it. */
  serverAddress: () => string;
  bookmarkIntervalMs: number;
}

/** The HTTP shell: authenticate, route, decode, call the ApiServer, encode. */
export function createApiHandler(api: ApiServer, settings: HandlerSettings) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(api, settings, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof ApiError) send(res, error.code, error.body);
      else send(res, 500, statusBody(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`));
    });
  };
}

function send(res: ServerResponse, code: number, body: object | string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function handle(api: ApiServer, settings: HandlerSettings, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const route = parseRoute(url.pathname);
  const method = req.method ?? 'GET';
  authenticate(req, route, url, method, settings.token);
  const discovery = api.discovery;
  switch (route.kind) {
    case 'version':
      return send(res, 200, discovery.versionInfo());
    case 'health':
      return send(res, 200, 'ok');
    case 'coreVersions':
      return send(res, 200, discovery.coreVersions(settings.serverAddress()));
    case 'groupList':
      return send(res, 200, discovery.groupList());
    case 'group': {
      const group = discovery.group(route.group);
      if (!group) throw pageNotFound();
      return send(res, 200, group);
    }
    case 'resourceList': {
      const list = discovery.resourceList(route.group, route.version);
      if (!list) throw pageNotFound();
      return send(res, 200, list);
    }
    case 'openapi':
      return sendOpenApi(res, route.version);
    case 'unknown':
      throw pageNotFound();
  }
  if (!discovery.hasGroupVersion(route.group, route.version)) throw pageNotFound();
  const type = discovery.resolve(route.group, route.version, route.resource);
  if (!type) throw resourceNotServed();
  if (route.subresource && !type.subresources.includes(route.subresource)) throw resourceNotServed();
  // A namespaced type addressed without a namespace only supports listing across namespaces.
  if (type.namespaced && !route.namespace && route.name) throw resourceNotServed();
  if (!type.namespaced && route.namespace) throw resourceNotServed();
  const request: ResourceRequest = {
    type,
    ...(route.namespace ? { namespace: route.namespace } : {}),
    ...(route.name ? { name: route.name } : {}),
    ...(route.subresource ? { subresource: route.subresource } : {}),
  };
  const query = url.searchParams;
  const dryRun = query.getAll('dryRun').includes('All');
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();

  if (method === 'GET' && !request.name) {
    const listOptions = {
      ...(query.get('labelSelector') ? { labelSelector: query.get('labelSelector')! } : {}),
      ...(query.get('fieldSelector') ? { fieldSelector: query.get('fieldSelector')! } : {}),
    };
    if (query.get('watch') === 'true' || query.get('watch') === '1') {
      return serveWatch(
        api,
        request,
        {
          ...listOptions,
          ...(query.has('resourceVersion') ? { resourceVersion: query.get('resourceVersion')! } : {}),
          ...(query.has('timeoutSeconds') ? { timeoutSeconds: Number(query.get('timeoutSeconds')) } : {}),
          allowWatchBookmarks: query.get('allowWatchBookmarks') === 'true',
          bookmarkIntervalMs: settings.bookmarkIntervalMs,
        },
        req,
        res,
      );
    }
    const limit = Number(query.get('limit') ?? 0);
    const list = listObjects(api, request, {
      ...listOptions,
      limit,
      ...(query.get('continue') ? { continueToken: query.get('continue')! } : {}),
      ...(query.get('resourceVersion') ? { resourceVersion: query.get('resourceVersion')! } : {}),
      ...(query.get('resourceVersionMatch') ? { resourceVersionMatch: query.get('resourceVersionMatch')! } : {}),
    }) as { metadata: JsonObject; items: KubeObject[] };
    if (wantsTable(req.headers['accept'])) return send(res, 200, tableOf(type.kind, list.items, list.metadata));
    return send(res, 200, list);
  }
  if (method === 'GET') {
    const object = api.get(request);
    if (wantsTable(req.headers['accept']) && !request.subresource)
      return send(res, 200, tableOf(type.kind, [object], { resourceVersion: String(object.metadata['resourceVersion']) }));
    return send(res, 200, object);
  }

  const writeOptions: WriteOptions = { dryRun };
  const fieldManager = query.get('fieldManager');
  if (fieldManager) writeOptions.fieldManager = fieldManager;
  else writeOptions.defaultManager = String(req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown';

  if (method === 'DELETE') {
    const text = await readBody(req);
    const body = text.trim() ? decodeBody(text, 'application/json') : {};
    const policy = query.get('propagationPolicy') ?? (isObject(body) ? body['propagationPolicy'] : undefined);
    const orphan = query.get('orphanDependents') ?? (isObject(body) ? body['orphanDependents'] : undefined);
    const options: DeleteOptions = {
      dryRun: dryRun || (isObject(body) && Array.isArray(body['dryRun']) && body['dryRun'].includes('All')),
    };
    if (policy === 'Foreground' || policy === 'Background' || policy === 'Orphan') options.propagationPolicy = policy;
    else if (orphan === true || orphan === 'true') options.propagationPolicy = 'Orphan';
    if (isObject(body) && isObject(body['preconditions'])) options.preconditions = body['preconditions'];
    if (!request.name) throw methodNotAllowed();
    const result = deleteObject(api, request, options);
    return send(res, result.code, result.body);
  }

  if (method === 'PATCH') {
    const patchType = PATCH_CONTENT_TYPES[contentType];
    if (!patchType || !request.name) throw unsupportedMediaType();
    if (patchType === 'apply') {
      if (!fieldManager) {
        throw new ApiError(
          422,
          statusBody(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
            group: 'meta.k8s.io',
            kind: 'PatchOptions',
            causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
          }),
        );
      }
      writeOptions.force = query.get('force') === 'true';
    } else if (query.has('force')) {
      throw new ApiError(
        422,
        statusBody(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch', {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' }],
        }),
      );
    }
    const body = decodeBody(await readBody(req), patchType === 'apply' ? 'yaml' : 'json');
    const result = api.patch(request, patchType, body, writeOptions);
    return send(res, result.code, result.body);
  }

  if (method === 'POST' || method === 'PUT') {
    if (!contentType.includes('json') && !contentType.includes('yaml')) throw unsupportedMediaType();
    const body = decodeBody(await readBody(req), contentType);
    if (method === 'POST') {
      if (request.name) throw methodNotAllowed();
      const result = api.create(request, body, writeOptions);
      return send(res, result.code, result.body);
    }
    if (!request.name) throw methodNotAllowed();
    const result = api.replace(request, body, writeOptions);
    return send(res, result.code, result.body);
  }
  throw methodNotAllowed();
}

/**
 * The simulator publishes no schemas. kubectl insists on downloading them before it applies:
 * an empty protobuf document (zero bytes) is a valid, empty OpenAPI v2 document, and an
 * OpenAPI v3 index without paths makes it skip server-side field validation.
 */
function sendOpenApi(res: ServerResponse, version: 'v2' | 'v3'): void {
  if (version === 'v3') return send(res, 200, { paths: {} });
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 0 });
  res.end();
}

const VERB_BY_METHOD: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Bearer token check. No token is the anonymous user, who may only read version and health. */
function authenticate(req: IncomingMessage, route: Route, url: URL, method: string, token: string): void {
  if (route.kind === 'version' || route.kind === 'health') return;
  const header = req.headers['authorization'];
  if (header === undefined) {
    if (route.kind !== 'resource') throw forbidden(`forbidden: User "system:anonymous" cannot get path "${url.pathname}"`, {});
    const watching = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const verb = method === 'GET' ? (route.name ? 'get' : watching ? 'watch' : 'list') : (VERB_BY_METHOD[method] ?? method.toLowerCase());
    const resource = route.subresource ? `${route.resource}/${route.subresource}` : route.resource;
    const scope = route.namespace ? `in the namespace "${route.namespace}"` : 'at the cluster scope';
    const named = route.name ? ` "${route.name}"` : '';
    throw forbidden(
      `${resource}${named} is forbidden: User "system:anonymous" cannot ${verb} resource "${resource}" in API group "${route.group}" ${scope}`,
      {
        ...(route.name ? { name: route.name } : {}),
        ...(route.group ? { group: route.group } : {}),
        kind: route.resource,
      },
    );
  }
  if (header !== `Bearer ${token}`) throw unauthorized();
}
