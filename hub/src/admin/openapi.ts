import { pageOfSchema, schemaRef, SCHEMAS } from './openapi-schemas';

/**
 * The OpenAPI 3.1 document of the hub's HTTP API, written by hand: our handlers take plain
 * bodies validated in code, so there are no DTO classes for a generator to read. A test
 * checks that every route the app registers is in here.
 */

type Schema = Record<string, unknown>;
type Role = 'viewer' | 'operator' | 'admin' | 'public';

interface Operation {
  summary: string;
  role: Role;
  query?: Record<string, string>;
  body?: Schema;
  /** status → schema (null: no body). */
  ok: [number, Schema | null, string?];
  errors?: number[];
}

const ERRORS: Record<number, string> = {
  400: 'invalid_argument: a parameter or the body is wrong; the message says which',
  401: 'unauthenticated: no, unknown, expired or revoked API token',
  403: "forbidden: the token's role is too low (the message names the role needed), or its scope does not cover the whole target",
  404: "not found, or outside the token's scope",
  409: 'conflict with the current state',
  422: 'the request is well-formed but cannot be carried out',
  503: 'not ready',
};

const LIST = { limit: 'page size, 1-500 (default 50)', cursor: 'the `next` of the previous page' };

function operation(method: string, path: string, op: Operation): Schema {
  const parameters = [
    ...[...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...Object.entries(op.query ?? {}).map(([name, description]) => ({
      name,
      in: 'query',
      required: false,
      description,
      schema: name === 'label' ? { type: 'array', items: { type: 'string' } } : { type: 'string' },
      ...(name === 'label' ? { style: 'form', explode: true } : {}),
    })),
  ];
  const [status, schema, description] = op.ok;
  const responses: Record<string, Schema> = {
    [status]: { description: description ?? 'success', ...(schema === null ? {} : { content: { 'application/json': { schema } } }) },
  };
  const errors = new Set([...(op.role === 'public' ? [] : [401, 403]), ...(op.errors ?? []), 500]);
  for (const code of [...errors].sort()) {
    responses[code] = {
      description: ERRORS[code] ?? 'internal error (details only in the hub log)',
      content: { 'application/json': { schema: schemaRef('Error') } },
    };
  }
  return {
    operationId: `${method}${path.replace(/[{}]/g, '').replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    summary: op.summary,
    description: op.role === 'public' ? 'Public: no API token needed.' : `Needs a token with at least the **${op.role}** role.`,
    'x-gitfleet-role': op.role,
    ...(op.role === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } }),
    responses,
  };
}

const page = pageOfSchema;
const ref = schemaRef;

/** method → path (OpenAPI template) → operation. */
const OPERATIONS: [string, string, Operation][] = [
  [
    'get',
    '/healthz',
    { summary: 'The process is up', role: 'public', ok: [200, { type: 'object', properties: { status: { const: 'ok' } } }] },
  ],
  [
    'get',
    '/readyz',
    {
      summary: 'The database answers and gRPC is bound',
      role: 'public',
      ok: [200, { type: 'object', properties: { status: { const: 'ready' } } }],
      errors: [503],
    },
  ],
  ['get', '/metrics', { summary: 'Prometheus metrics (text format)', role: 'public', ok: [200, null, 'text/plain; version=0.0.4'] }],
  ['get', '/api/docs', { summary: 'This document, rendered as a page', role: 'public', ok: [200, null, 'text/html'] }],
  ['get', '/api/docs/openapi.json', { summary: 'This document', role: 'public', ok: [200, { type: 'object' }] }],
  [
    'get',
    '/api/v1/clusters',
    {
      summary: 'Clusters with their TargetSet and per-bundle phase',
      role: 'viewer',
      query: {
        ...LIST,
        label: 'key=value; repeat for several (all must match)',
        selector: 'kubectl-style label selector: env=prod,tier!=db,region in (eu,us),team,!legacy',
        state: 'pending | active | revoked',
        connectivity: 'connected | unreachable',
        phase: 'clusters with at least one bundle in this phase',
      },
      ok: [200, page('ClusterView')],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/clusters/{name}',
    { summary: 'One cluster with resources, drift diffs and messages', role: 'viewer', ok: [200, ref('ClusterDetailView')], errors: [404] },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/approve',
    { summary: 'Approve a pending cluster', role: 'operator', ok: [200, ref('ClusterStateView')], errors: [404, 409] },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/revoke',
    { summary: "Revoke a cluster's credential and end its session", role: 'admin', ok: [200, ref('ClusterStateView')], errors: [404] },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/rotate-credential',
    {
      summary: 'Invalidate the credential; the agent registers again',
      role: 'admin',
      ok: [200, ref('ClusterStateView')],
      errors: [404, 409],
    },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/sync',
    { summary: 'Ask the agent to sync every target now', role: 'operator', ok: [202, ref('SyncView')], errors: [404] },
  ],
  [
    'get',
    '/api/v1/bundles',
    {
      summary: 'Bundles with their per-cluster phase, health and commit',
      role: 'viewer',
      query: { ...LIST, name: 'exact bundle name', phase: 'bundles with at least one cluster in this phase' },
      ok: [200, page('BundleView')],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/bundles/{name}',
    { summary: 'One bundle across its clusters', role: 'viewer', ok: [200, ref('BundleView')], errors: [404] },
  ],
  [
    'post',
    '/api/v1/bundles/{name}/sync',
    { summary: 'Ask every agent holding the bundle to sync it now', role: 'operator', ok: [202, ref('SyncView')], errors: [404] },
  ],
  [
    'post',
    '/api/v1/bundles/{name}/pin',
    {
      summary: 'Pin (roll back) the bundle to an accepted fleet commit',
      role: 'operator',
      body: { type: 'object', properties: { commit: { type: 'string' } }, required: ['commit'] },
      ok: [200, ref('PinView')],
      errors: [400, 404, 422],
    },
  ],
  ['delete', '/api/v1/bundles/{name}/pin', { summary: 'Unpin: follow the fleet again', role: 'operator', ok: [204, null], errors: [404] }],
  ['get', '/api/v1/pins', { summary: 'Pinned bundles', role: 'viewer', query: LIST, ok: [200, page('PinView')], errors: [400] }],
  [
    'get',
    '/api/v1/rollouts',
    {
      summary: 'Rollouts with progress per partition',
      role: 'viewer',
      query: { ...LIST, state: 'progressing | done | halted | paused' },
      ok: [200, page('RolloutView')],
      errors: [400],
    },
  ],
  ['get', '/api/v1/rollouts/{bundle}', { summary: "One bundle's rollout", role: 'viewer', ok: [200, ref('RolloutView')], errors: [404] }],
  [
    'post',
    '/api/v1/rollouts/{bundle}/pause',
    { summary: 'Stop admitting clusters', role: 'operator', ok: [200, ref('RolloutView')], errors: [404] },
  ],
  [
    'post',
    '/api/v1/rollouts/{bundle}/resume',
    { summary: 'Admit clusters again', role: 'operator', ok: [200, ref('RolloutView')], errors: [404] },
  ],
  [
    'get',
    '/api/v1/history',
    {
      summary: 'Deployment history, newest first',
      role: 'viewer',
      query: { ...LIST, cluster: 'cluster name', bundle: 'bundle name', before: 'same as cursor' },
      ok: [200, page('DeploymentView')],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/events',
    {
      summary: 'Fleet events, newest first',
      role: 'viewer',
      query: { ...LIST, cluster: 'cluster name', bundle: 'bundle name', type: 'event type', since: 'ISO 8601 time' },
      ok: [200, page('FleetEvent')],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/stream',
    {
      summary: 'Server-sent events: hello, fleet events, change hints (text/event-stream)',
      role: 'viewer',
      ok: [200, null, 'text/event-stream'],
    },
  ],
  [
    'get',
    '/api/v1/fleet',
    {
      summary: 'Fleet repositories and their last good commit',
      role: 'viewer',
      ok: [200, { allOf: [ref('FleetRepoView')], properties: { repos: { type: 'array', items: ref('FleetRepoView') } } }],
    },
  ],
  [
    'post',
    '/api/v1/tokens',
    {
      summary: 'Create a bootstrap token (shown once)',
      role: 'admin',
      body: ref('NewBootstrapToken'),
      ok: [201, { type: 'object', properties: { token: { type: 'string' }, item: ref('BootstrapTokenView') } }],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/tokens',
    {
      summary: 'Bootstrap tokens',
      role: 'admin',
      query: { ...LIST, state: 'usable | expired | used-up | revoked' },
      ok: [200, page('BootstrapTokenView')],
      errors: [400],
    },
  ],
  ['delete', '/api/v1/tokens/{id}', { summary: 'Revoke a bootstrap token', role: 'admin', ok: [204, null], errors: [404] }],
  [
    'post',
    '/api/v1/api-tokens',
    {
      summary: 'Create an API token (the secret is shown once)',
      role: 'admin',
      body: ref('NewApiToken'),
      ok: [201, { type: 'object', properties: { token: { type: 'string' }, item: ref('ApiTokenView') } }],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/api-tokens',
    { summary: 'API tokens (never their secrets)', role: 'admin', query: LIST, ok: [200, page('ApiTokenView')], errors: [400] },
  ],
  ['delete', '/api/v1/api-tokens/{id}', { summary: 'Revoke an API token', role: 'admin', ok: [204, null], errors: [404] }],
  [
    'get',
    '/api/v1/audit',
    {
      summary: 'Audit log of mutating calls, newest first',
      role: 'admin',
      query: { ...LIST, actor: 'token name', before: 'same as cursor' },
      ok: [200, page('AuditEntry')],
      errors: [400],
    },
  ],
  [
    'post',
    '/api/v1/webhooks/git',
    {
      summary: 'Git push webhook (GitHub, GitLab, Gitea), authenticated by WEBHOOK_SECRET',
      role: 'public',
      body: { type: 'object' },
      ok: [202, ref('WebhookResult')],
      errors: [400, 401],
    },
  ],
];

export function openApiDocument(): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const [method, path, op] of OPERATIONS) (paths[path] ??= {})[method] = operation(method, path, op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'gitfleet hub API',
      version: 'v1',
      description:
        'Every route needs `Authorization: Bearer <API token>` unless marked public. Errors are `{ "code", "message" }`. ' +
        'Lists answer `{ "items", "next" }`: pass `next` back as `cursor` for the following page.',
    },
    servers: [{ url: '/' }],
    security: [{ apiToken: [] }],
    components: {
      securitySchemes: { apiToken: { type: 'http', scheme: 'bearer', description: 'gfat_… API token or ADMIN_TOKEN' } },
      schemas: SCHEMAS,
    },
    paths,
  };
}
