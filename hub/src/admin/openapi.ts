import { z } from 'zod';
import * as api from '../api-contract';

/**
 * The OpenAPI 3.1 document of the hub's HTTP API, generated from the REST contract
 * (hub/src/api-contract): every named shape becomes a component, every operation below names
 * its query, body and answer schemas. A test checks that every route the app registers is in
 * here, and the role matrix test checks `x-gitfleet-role` against the guards.
 */

type Schema = Record<string, unknown>;
type Role = 'viewer' | 'operator' | 'admin' | 'public';

interface Operation {
  summary: string;
  role: Role;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out. */
  optionalBody?: boolean;
  /** status → schema (null: no JSON body), and the answer's description. */
  ok: [number, z.ZodType | null, string?];
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

const COMPONENTS = '#/components/schemas/';

/** Times are RFC 3339 and ids UUIDs: the patterns zod adds for them say nothing a reader needs. */
function tidy(ctx: { jsonSchema: Schema }): void {
  if (ctx.jsonSchema.format === 'date-time' || ctx.jsonSchema.format === 'uuid') delete ctx.jsonSchema.pattern;
}

/** A named shape as a reference, anything else inline. */
function schemaOf(schema: z.ZodType): Schema {
  const id = api.CONTRACT.get(schema)?.id;
  if (id !== undefined) return { $ref: `${COMPONENTS}${id}` };
  const { $schema: _ignored, ...inline } = z.toJSONSchema(schema, { io: 'input', override: tidy }) as Schema;
  return inline;
}

function queryParameters(query: z.ZodObject | undefined): Schema[] {
  return Object.entries(query?.shape ?? {}).map(([name, field]) => {
    const { $schema: _ignored, description, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' }) as Schema;
    const repeatable = Array.isArray(schema.anyOf);
    return {
      name,
      in: 'query',
      required: false,
      ...(description === undefined ? {} : { description }),
      schema,
      ...(repeatable ? { style: 'form', explode: true } : {}),
    };
  });
}

function operation(method: string, path: string, op: Operation): Schema {
  const parameters = [
    ...[...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...queryParameters(op.query),
  ];
  const [status, schema, description] = op.ok;
  const responses: Record<string, Schema> = {
    [status]: {
      description: description ?? 'success',
      ...(schema === null ? {} : { content: { 'application/json': { schema: schemaOf(schema) } } }),
    },
  };
  const errors = new Set([...(op.role === 'public' ? [] : [401, 403]), ...(op.errors ?? []), 500]);
  for (const code of [...errors].sort()) {
    responses[code] = {
      description: ERRORS[code] ?? 'internal error (details only in the hub log)',
      content: { 'application/json': { schema: schemaOf(api.ApiError) } },
    };
  }
  return {
    operationId: `${method}${path.replace(/[{}]/g, '').replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    summary: op.summary,
    description: op.role === 'public' ? 'Public: no API token needed.' : `Needs a token with at least the **${op.role}** role.`,
    'x-gitfleet-role': op.role,
    ...(op.role === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body === undefined
      ? {}
      : { requestBody: { required: op.optionalBody !== true, content: { 'application/json': { schema: schemaOf(op.body) } } } }),
    responses,
  };
}

/** A JSON object of any shape (the document itself). */
const AnyObject = z.record(z.string(), z.unknown());

/** method → path (OpenAPI template) → operation. */
const OPERATIONS: [string, string, Operation][] = [
  ['get', '/healthz', { summary: 'The process is up', role: 'public', ok: [200, api.Healthz] }],
  ['get', '/readyz', { summary: 'The database answers and gRPC is bound', role: 'public', ok: [200, api.Readyz], errors: [503] }],
  ['get', '/metrics', { summary: 'Prometheus metrics (text format)', role: 'public', ok: [200, null, 'text/plain; version=0.0.4'] }],
  ['get', '/api/docs', { summary: 'This document, rendered as a page', role: 'public', ok: [200, null, 'text/html'] }],
  ['get', '/api/docs/openapi.json', { summary: 'This document', role: 'public', ok: [200, AnyObject] }],
  [
    'get',
    '/api/v1/clusters',
    {
      summary: 'Clusters with their TargetSet and per-bundle phase',
      role: 'viewer',
      query: api.ClusterListQuery,
      ok: [200, api.ClusterPage],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/summary',
    {
      summary: 'The fleet at a glance: clusters per state and connectivity, bundles per phase, optionally per value of a label',
      role: 'viewer',
      query: api.FleetSummaryQuery,
      ok: [200, api.FleetSummary],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/clusters/{name}',
    { summary: 'One cluster with resources, drift diffs and messages', role: 'viewer', ok: [200, api.ClusterDetailView], errors: [404] },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/approve',
    { summary: 'Approve a pending cluster', role: 'operator', ok: [200, api.ClusterStateView], errors: [404, 409] },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/revoke',
    { summary: "Revoke a cluster's credential and end its session", role: 'admin', ok: [200, api.ClusterStateView], errors: [404] },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/rotate-credential',
    {
      summary: 'Invalidate the credential; the agent registers again',
      role: 'admin',
      ok: [200, api.ClusterStateView],
      errors: [404, 409],
    },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/revoke-certificates',
    {
      summary: "Revoke the cluster's client certificates (and its bearer credential); the agent registers again",
      role: 'admin',
      ok: [200, api.CertificatesRevokedView],
      errors: [404],
    },
  ],
  [
    'post',
    '/api/v1/clusters/{name}/sync',
    { summary: 'Ask the agent to sync every target now', role: 'operator', ok: [202, api.SyncView], errors: [404] },
  ],
  [
    'get',
    '/api/v1/bundles',
    {
      summary: 'Bundles with their clusters counted by phase and health',
      role: 'viewer',
      query: api.BundleListQuery,
      ok: [200, api.BundlePage],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/bundles/{name}',
    { summary: 'One bundle with its clusters counted by phase and health', role: 'viewer', ok: [200, api.BundleView], errors: [404] },
  ],
  [
    'get',
    '/api/v1/bundles/{name}/clusters',
    {
      summary: "The bundle's clusters with its phase, health and commit on each, by cluster name",
      role: 'viewer',
      query: api.BundleClusterQuery,
      ok: [200, api.BundleClusterPage],
      errors: [400, 404],
    },
  ],
  [
    'post',
    '/api/v1/bundles/{name}/sync',
    { summary: 'Ask every agent holding the bundle to sync it now', role: 'operator', ok: [202, api.SyncView], errors: [404] },
  ],
  [
    'post',
    '/api/v1/bundles/{name}/pin',
    {
      summary: 'Pin (roll back) the bundle to an accepted fleet commit',
      role: 'operator',
      body: api.PinRequest,
      ok: [200, api.PinView],
      errors: [400, 404, 422],
    },
  ],
  ['delete', '/api/v1/bundles/{name}/pin', { summary: 'Unpin: follow the fleet again', role: 'operator', ok: [204, null], errors: [404] }],
  ['get', '/api/v1/pins', { summary: 'Pinned bundles', role: 'viewer', query: api.KeyPageQuery, ok: [200, api.PinPage], errors: [400] }],
  [
    'get',
    '/api/v1/rollouts',
    {
      summary: 'Rollouts with progress per partition',
      role: 'viewer',
      query: api.RolloutListQuery,
      ok: [200, api.RolloutPage],
      errors: [400],
    },
  ],
  ['get', '/api/v1/rollouts/{bundle}', { summary: "One bundle's rollout", role: 'viewer', ok: [200, api.RolloutView], errors: [404] }],
  [
    'post',
    '/api/v1/rollouts/{bundle}/pause',
    { summary: 'Stop admitting clusters', role: 'operator', ok: [200, api.RolloutView], errors: [404] },
  ],
  [
    'post',
    '/api/v1/rollouts/{bundle}/resume',
    { summary: 'Admit clusters again', role: 'operator', ok: [200, api.RolloutView], errors: [404] },
  ],
  [
    'get',
    '/api/v1/history',
    {
      summary: 'Deployment history, newest first',
      role: 'viewer',
      query: api.HistoryQuery,
      ok: [200, api.DeploymentPage],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/events',
    {
      summary: 'Fleet events, newest first',
      role: 'viewer',
      query: api.EventListQuery,
      ok: [200, api.FleetEventPage],
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
    '/api/v1/commits/{commit}',
    {
      summary: 'Whether a pushed commit has reached every cluster its bundles target (the gate a pipeline polls)',
      role: 'viewer',
      query: api.CommitQuery,
      ok: [200, api.CommitProgress],
      errors: [400],
    },
  ],
  ['get', '/api/v1/fleet', { summary: 'Fleet repositories and their last good commit', role: 'viewer', ok: [200, api.FleetView] }],
  [
    'post',
    '/api/v1/tokens',
    {
      summary: 'Create a bootstrap token (shown once)',
      role: 'admin',
      body: api.NewBootstrapToken,
      optionalBody: true,
      ok: [201, api.NewBootstrapTokenAnswer],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/tokens',
    {
      summary: 'Bootstrap tokens',
      role: 'admin',
      query: api.BootstrapTokenListQuery,
      ok: [200, api.BootstrapTokenPage],
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
      body: api.NewApiToken,
      ok: [201, api.NewApiTokenAnswer],
      errors: [400],
    },
  ],
  [
    'get',
    '/api/v1/api-tokens',
    {
      summary: 'API tokens (never their secrets)',
      role: 'admin',
      query: api.ApiTokenListQuery,
      ok: [200, api.ApiTokenPage],
      errors: [400],
    },
  ],
  ['delete', '/api/v1/api-tokens/{id}', { summary: 'Revoke an API token', role: 'admin', ok: [204, null], errors: [404] }],
  [
    'get',
    '/api/v1/audit',
    {
      summary: 'Audit log of mutating calls, newest first',
      role: 'admin',
      query: api.AuditQuery,
      ok: [200, api.AuditPage],
      errors: [400],
    },
  ],
  [
    'post',
    '/api/v1/webhooks/git',
    {
      summary: 'Git push webhook (GitHub, GitLab, Gitea), authenticated by WEBHOOK_SECRET',
      role: 'public',
      body: api.WebhookPayload,
      ok: [202, api.WebhookResult],
      errors: [400, 401],
    },
  ],
];

/** Every named shape of the contract, as OpenAPI components. */
function components(): Record<string, Schema> {
  const { schemas } = z.toJSONSchema(api.CONTRACT, { uri: (id) => `${COMPONENTS}${id}`, override: tidy }) as {
    schemas: Record<string, Schema>;
  };
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]));
}

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
      schemas: components(),
    },
    paths,
  };
}
