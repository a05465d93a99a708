/** JSON Schemas (OpenAPI 3.1) of the API's answers; the shapes are those of views.ts and the controllers. */

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const time: Schema = { type: 'string', format: 'date-time' };
const sha: Schema = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const labels: Schema = { type: 'object', additionalProperties: str };
const enumOf = (...values: string[]): Schema => ({ type: 'string', enum: values });
const array = (items: Schema): Schema => ({ type: 'array', items });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const object = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});

const PHASE = enumOf('pending', 'rolling-out', 'synced', 'failed', 'paused', 'suspended', 'waiting', 'unknown');
const HEALTH = enumOf('healthy', 'suspended', 'progressing', 'unknown', 'missing', 'degraded');
const ROLE = enumOf('viewer', 'operator', 'admin');
const SUMMARY = object({ created: int, configured: int, unchanged: int, deleted: int, skipped: int, failed: int });

const clusterBundle = {
  bundle: str,
  desiredCommit: str,
  commit: nullable(sha),
  phase: PHASE,
  health: HEALTH,
  driftCount: int,
  lastReportAt: nullable(time),
  rollout: nullable(enumOf('admitted', 'waiting', 'paused')),
};
const clusterHead = {
  id: { type: 'string', format: 'uuid' },
  name: str,
  labels,
  state: enumOf('pending', 'active', 'revoked'),
  connectivity: enumOf('connected', 'unreachable'),
  connected: bool,
  lastSeenAt: nullable(time),
  targetSet: nullable(object({ revision: str, checksum: str, ackedRevision: nullable(str) })),
};
const tokenScope = { type: 'object', properties: { clusterGroups: array(str), bundles: array(str) }, additionalProperties: false };

export const SCHEMAS: Record<string, Schema> = {
  Error: object({ code: { type: 'string', description: 'stable, snake_case' }, message: { type: 'string', description: 'what to fix' } }),
  ClusterView: object({ ...clusterHead, bundles: array(object(clusterBundle)) }),
  ClusterDetailView: object({
    ...clusterHead,
    registeredAt: time,
    stateChangedAt: nullable(time),
    bundles: array(
      object({
        ...clusterBundle,
        lastKnownPhase: PHASE,
        lastKnownHealth: HEALTH,
        message: str,
        observedAt: nullable(time),
        syncStartedAt: nullable(time),
        summary: nullable(SUMMARY),
        resources: array(
          object({
            apiVersion: str,
            kind: str,
            namespace: str,
            name: str,
            action: str,
            error: str,
            health: str,
            healthMessage: str,
            drifted: bool,
            driftDiff: str,
          }),
        ),
      }),
    ),
  }),
  ClusterStateView: object({ id: str, name: str, state: enumOf('pending', 'active', 'revoked'), stateChangedAt: nullable(time) }),
  BundleView: object({
    name: str,
    path: str,
    commit: sha,
    pin: nullable(object({ commit: sha, pinnedAt: time })),
    rollout: nullable(enumOf('progressing', 'done', 'halted', 'paused')),
    clusters: array(object({ cluster: str, phase: PHASE, health: HEALTH, commit: nullable(sha) })),
    summary: { type: 'object', additionalProperties: int, description: 'total and a count per phase' },
  }),
  SyncView: object({ command: { type: 'string', format: 'uuid' }, bundle: nullable(str), reached: array(str), notConnected: array(str) }),
  RolloutView: object({
    bundle: str,
    revision: str,
    commit: sha,
    state: enumOf('progressing', 'done', 'halted', 'paused'),
    paused: bool,
    halt: nullable(object({ reason: str, cluster: str, resource: str, message: str }, ['reason', 'message'])),
    startedAt: time,
    updatedAt: time,
    partitions: array(
      object({
        name: str,
        state: enumOf('pending', 'progressing', 'done', 'halted'),
        maxUnavailable: int,
        clusters: array(object({ name: str, state: enumOf('waiting', 'updating', 'done', 'failed') })),
      }),
    ),
  }),
  PinView: object({ bundle: str, commit: sha, pinnedAt: time }),
  DeploymentView: object({
    id: str,
    cluster: str,
    bundle: str,
    commit: sha,
    startedAt: nullable(time),
    finishedAt: nullable(time),
    result: enumOf('synced', 'failed'),
    health: str,
    summary: nullable(SUMMARY),
    message: str,
  }),
  BootstrapTokenView: object({
    id: str,
    description: str,
    expiresAt: nullable(time),
    maxUses: nullable(int),
    uses: int,
    createdAt: time,
    revokedAt: nullable(time),
    state: enumOf('usable', 'expired', 'used-up', 'revoked'),
  }),
  NewBootstrapToken: { type: 'object', properties: { description: str, ttlSeconds: int, maxUses: int } },
  ApiTokenView: object({
    id: { type: 'string', format: 'uuid' },
    name: str,
    role: ROLE,
    scope: nullable(tokenScope),
    createdBy: str,
    createdAt: time,
    expiresAt: nullable(time),
    revokedAt: nullable(time),
    lastUsedAt: nullable(time),
    state: enumOf('usable', 'expired', 'revoked'),
  }),
  NewApiToken: {
    type: 'object',
    properties: { name: str, role: ROLE, scope: tokenScope, ttlSeconds: int },
    required: ['name', 'role'],
    additionalProperties: false,
  },
  AuditEntry: object({
    id: str,
    at: time,
    actor: object({ tokenId: str, name: str }),
    method: str,
    route: { type: 'string', description: 'route pattern, e.g. /api/v1/clusters/:name/revoke' },
    path: str,
    target: { type: 'string', description: 'the route parameters joined with "/"' },
    status: int,
  }),
  FleetEvent: object({
    id: str,
    type: str,
    at: time,
    severity: str,
    cluster: nullable(str),
    bundle: nullable(str),
    commit: nullable(str),
    message: str,
    details: { type: 'object' },
  }),
  FleetRepoView: object(
    { name: str, url: str, branch: str, path: str, commit: nullable(sha), fetchedAt: nullable(time), error: nullable(str) },
    ['name'],
  ),
  WebhookResult: object({ status: enumOf('fetching', 'ignored'), repos: array(str), reason: str }, ['status', 'repos']),
};

export const schemaRef = ref;
export const pageOfSchema = (item: string): Schema => object({ items: array(ref(item)), next: nullable(str) });
