import {
  bool,
  count,
  days,
  defaultsOf,
  isRefName,
  jsonOrFile,
  namesOf,
  oneOf,
  port,
  readSettings,
  secret,
  seconds,
  text,
  type Settings,
} from '#core';
import {
  DEFAULT_FLEET_REPO_NAME,
  FLEET_REPOS_SHAPE,
  normaliseDirectory,
  parseFleetRepos,
  validateFleetRepos,
  type FleetRepoConfig,
} from './fleet-repos';
import { validateNotifyWebhooks, type NotifyWebhook } from './notify-webhooks';

export type { FleetRepoConfig } from './fleet-repos';

/** Everything the hub can be told, read and validated in one place. */
export interface HubConfig {
  /** DATABASE_URL; absent → embedded PostgreSQL (PGlite) with its data in `${dataDir}/pg`. */
  databaseUrl?: string;
  /** DATABASE_CONNECT_TIMEOUT_SECONDS: how long the hub waits at start for DATABASE_URL's server to answer. */
  databaseConnectTimeoutMs: number;
  /** HUB_DATA_DIR: git cache and embedded PostgreSQL. */
  dataDir: string;
  httpHost: string;
  /** 0 picks a free port. */
  httpPort: number;
  grpcHost: string;
  /** 0 picks a free port. */
  grpcPort: number;
  /** FLEET_REPO_URL: the repository named "default" (with fleetBranch and fleetPath); optional when fleetRepos is set. */
  fleetRepoUrl?: string;
  fleetBranch: string;
  fleetPath: string;
  /** FLEET_REPOS / FLEET_REPOS_FILE; after resolution also holds the "default" repository, first. */
  fleetRepos: FleetRepoConfig[];
  fleetPollIntervalMs: number;
  /** WEBHOOK_SECRET: shared secret of the Git push webhooks; without it the webhook refuses every call. */
  webhookSecret?: string;
  bootstrapToken: string;
  /** ADMIN_TOKEN: an API token with the admin role that always works; without it (and without API tokens) the API refuses every call. */
  adminToken?: string;
  heartbeatIntervalMs: number;
  logLevel: string;
  /** NOTIFY_WEBHOOKS / NOTIFY_WEBHOOKS_FILE: outgoing webhooks on fleet events (docs/observability.md). */
  notifyWebhooks: NotifyWebhook[];
  /** NOTIFY_RETRY_DELAY: delay before the first retry of a failed notification; doubles per retry. */
  notifyRetryDelayMs: number;
  /** REPORT_RETENTION_DAYS: raw status reports older than this are deleted; 0 keeps them. */
  reportRetentionDays: number;
  /** HISTORY_RETENTION_DAYS: deployment history and fleet events older than this are deleted; 0 keeps them. */
  historyRetentionDays: number;
  /** AUDIT_RETENTION_DAYS: audit log entries older than this are deleted; 0 keeps them. */
  auditRetentionDays: number;
  /** GRPC_TLS_CERT_FILE: PEM certificate chain of the gRPC server; with GRPC_TLS_KEY_FILE, agents connect over TLS. */
  grpcTlsCertFile?: string;
  /** GRPC_TLS_KEY_FILE: PEM private key of that certificate. */
  grpcTlsKeyFile?: string;
  /** CLUSTER_APPROVAL_REQUIRED: a newly registered cluster is `pending` until approved. */
  clusterApprovalRequired: boolean;
  /** ROLLOUT_TICK_INTERVAL: the rollouts' backstop timer; they also advance as reports arrive. */
  rolloutTickIntervalMs: number;
  /**
   * AGENT_AUTH: how Connect authenticates an agent (docs/security.md "Agent authentication"):
   * `mtls` a client certificate from the hub's CA only (needs gRPC TLS), `bearer` the credential
   * only, `mtls-or-bearer` a certificate when presented, else the credential.
   */
  agentAuth: AgentAuthMode;
  /** HUB_CA_CERT: PEM certificate of the CA that signs agents' client certificates; absent → generated once in dataDir. */
  caCertFile?: string;
  /** HUB_CA_KEY: PEM private key of that CA. */
  caKeyFile?: string;
  /** AGENT_CERT_VALIDITY: lifetime of an agent's client certificate (seconds); agents renew at 2/3 of it. */
  agentCertValidityMs: number;
  /**
   * GRPC_MAX_HANDSHAKES: agent connections being set up (authenticated, Hello not yet
   * answered) at once; beyond it a Connect is refused with RESOURCE_EXHAUSTED and a retry hint.
   */
  grpcMaxHandshakes: number;
  /** GRPC_LISTEN_BACKLOG: connections the kernel queues for the gRPC port before the hub accepts them (capped by net.core.somaxconn). */
  grpcListenBacklog: number;
}

export const AGENT_AUTH_MODES = ['bearer', 'mtls', 'mtls-or-bearer'] as const;
export type AgentAuthMode = (typeof AGENT_AUTH_MODES)[number];

export const MIN_BOOTSTRAP_TOKEN_LENGTH = 16;
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const FLEET_DEFAULTS = { branch: 'main', path: 'fleet' };

/**
 * Every hub setting, once: its variable, how it is read and its default. The loader, the
 * defaults of `startHub`, the names errors give and the check of docs/configuration.md's table
 * (hub-config.spec.ts) all come from here.
 */
export const HUB_SETTINGS: Settings<HubConfig> = {
  databaseUrl: secret('DATABASE_URL'),
  databaseConnectTimeoutMs: seconds('DATABASE_CONNECT_TIMEOUT_SECONDS', 60_000),
  dataDir: text('HUB_DATA_DIR', '.gitfleet/hub'),
  httpHost: text('HTTP_HOST', '127.0.0.1'),
  httpPort: port('HTTP_PORT', 8080),
  grpcHost: text('GRPC_HOST', '127.0.0.1'),
  grpcPort: port('GRPC_PORT', 9090),
  fleetRepoUrl: secret('FLEET_REPO_URL'),
  fleetBranch: text('FLEET_BRANCH', FLEET_DEFAULTS.branch),
  fleetPath: text('FLEET_PATH', FLEET_DEFAULTS.path),
  fleetRepos: jsonOrFile('FLEET_REPOS', FLEET_REPOS_SHAPE, (value, name) => parseFleetRepos(value, name, FLEET_DEFAULTS), []),
  fleetPollIntervalMs: seconds('FLEET_POLL_INTERVAL', 15_000),
  webhookSecret: secret('WEBHOOK_SECRET'),
  bootstrapToken: secret('BOOTSTRAP_TOKEN'),
  adminToken: secret('ADMIN_TOKEN'),
  heartbeatIntervalMs: seconds('HEARTBEAT_INTERVAL', 10_000),
  logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  notifyWebhooks: jsonOrFile('NOTIFY_WEBHOOKS', 'a JSON array of webhooks', (value) => value as NotifyWebhook[], []),
  notifyRetryDelayMs: seconds('NOTIFY_RETRY_DELAY', 4_000),
  reportRetentionDays: days('REPORT_RETENTION_DAYS', 7),
  historyRetentionDays: days('HISTORY_RETENTION_DAYS', 90),
  auditRetentionDays: days('AUDIT_RETENTION_DAYS', 365),
  grpcTlsCertFile: text('GRPC_TLS_CERT_FILE'),
  grpcTlsKeyFile: text('GRPC_TLS_KEY_FILE'),
  clusterApprovalRequired: bool('CLUSTER_APPROVAL_REQUIRED', false),
  rolloutTickIntervalMs: seconds('ROLLOUT_TICK_INTERVAL', 10_000),
  agentAuth: oneOf('AGENT_AUTH', AGENT_AUTH_MODES, 'mtls-or-bearer'),
  caCertFile: text('HUB_CA_CERT'),
  caKeyFile: text('HUB_CA_KEY'),
  agentCertValidityMs: seconds('AGENT_CERT_VALIDITY', 30 * 24 * 3600_000),
  grpcMaxHandshakes: count('GRPC_MAX_HANDSHAKES', 2000),
  grpcListenBacklog: count('GRPC_LISTEN_BACKLOG', 4096),
};

/** Reads the hub's configuration from environment variables; a bad value throws naming the variable. */
export function loadHubConfig(env: NodeJS.ProcessEnv): HubConfig {
  const values = readSettings(HUB_SETTINGS, env);
  if (values.bootstrapToken === undefined) throw new Error(`${HUB_SETTINGS.bootstrapToken.env} is required`);
  return resolveHubConfig({ ...values, bootstrapToken: values.bootstrapToken }, namesOf(HUB_SETTINGS, env));
}

type ConfigNames = Record<keyof HubConfig, string>;

/**
 * Fills defaults into a partial configuration (as `startHub` receives it) and validates the
 * whole; errors name the environment variable, or the property when called from code.
 */
export function resolveHubConfig(
  partial: Partial<HubConfig> & Pick<HubConfig, 'bootstrapToken'>,
  names: ConfigNames = namesOf(HUB_SETTINGS),
): HubConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const config = { ...defaultsOf(HUB_SETTINGS), ...defined } as HubConfig;

  if (config.databaseUrl !== undefined) {
    if (!isUrl(config.databaseUrl, ['postgres:', 'postgresql:'])) {
      throw new Error(`${names.databaseUrl} must be a postgres:// URL`);
    }
  }
  for (const key of ['httpPort', 'grpcPort'] as const) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new Error(`${names[key]} must be a port number (0-65535), got "${value}"`);
    }
  }
  for (const key of ['fleetPollIntervalMs', 'heartbeatIntervalMs', 'databaseConnectTimeoutMs', 'rolloutTickIntervalMs'] as const) {
    if (!Number.isFinite(config[key]) || config[key] <= 0) {
      throw new Error(`${names[key]} must be positive`);
    }
  }
  for (const key of ['dataDir', 'httpHost', 'grpcHost', 'fleetBranch'] as const) {
    if (typeof config[key] !== 'string' || config[key].trim() === '') throw new Error(`${names[key]} must not be empty`);
  }
  if (!isRefName(config.fleetBranch)) throw new Error(`${names.fleetBranch} is not a valid branch name`);
  const fleetPath = normaliseDirectory(config.fleetPath);
  if (fleetPath === undefined) throw new Error(`${names.fleetPath} must be a relative directory without '..'`);
  config.fleetPath = fleetPath;
  if (typeof config.bootstrapToken !== 'string' || config.bootstrapToken.length < MIN_BOOTSTRAP_TOKEN_LENGTH) {
    throw new Error(`${names.bootstrapToken} must be at least ${MIN_BOOTSTRAP_TOKEN_LENGTH} characters`);
  }
  config.fleetRepos = resolveFleetRepos(config, names);
  if (config.webhookSecret !== undefined && config.webhookSecret.length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw new Error(`${names.webhookSecret} must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`);
  }
  if (config.adminToken !== undefined && (typeof config.adminToken !== 'string' || config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH)) {
    throw new Error(`${names.adminToken} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  config.notifyWebhooks = validateNotifyWebhooks(config.notifyWebhooks, names.notifyWebhooks);
  if (!Number.isFinite(config.notifyRetryDelayMs) || config.notifyRetryDelayMs <= 0)
    throw new Error(`${names.notifyRetryDelayMs} must be positive`);
  if ((config.grpcTlsCertFile === undefined) !== (config.grpcTlsKeyFile === undefined)) {
    throw new Error(`${names.grpcTlsCertFile} and ${names.grpcTlsKeyFile} go together: set both for TLS, or neither`);
  }
  if (!AGENT_AUTH_MODES.includes(config.agentAuth)) {
    throw new Error(`${names.agentAuth} must be one of ${AGENT_AUTH_MODES.join(', ')}, got "${String(config.agentAuth).slice(0, 40)}"`);
  }
  if (config.agentAuth === 'mtls' && config.grpcTlsCertFile === undefined) {
    throw new Error(`${names.agentAuth}=mtls needs gRPC TLS: set ${names.grpcTlsCertFile} and ${names.grpcTlsKeyFile}`);
  }
  if ((config.caCertFile === undefined) !== (config.caKeyFile === undefined)) {
    throw new Error(`${names.caCertFile} and ${names.caKeyFile} go together: set both, or neither to have the hub generate its CA`);
  }
  if (!Number.isFinite(config.agentCertValidityMs) || config.agentCertValidityMs < 5_000) {
    throw new Error(`${names.agentCertValidityMs} must be at least 5 seconds`);
  }
  for (const key of ['reportRetentionDays', 'historyRetentionDays', 'auditRetentionDays'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0)
      throw new Error(`${names[key]} must be a whole number of days (0 keeps everything)`);
  }
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel)) {
    throw new Error(`${names.logLevel} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return config;
}

/** FLEET_REPO_URL's repository (named "default") first, then FLEET_REPOS; at least one. */
function resolveFleetRepos(config: HubConfig, names: ConfigNames): FleetRepoConfig[] {
  const repos: FleetRepoConfig[] = [];
  const fromUrl = config.fleetRepoUrl !== undefined && config.fleetRepoUrl.trim() !== '';
  if (fromUrl) {
    if (config.fleetRepoUrl!.startsWith('-')) throw new Error(`${names.fleetRepoUrl} is not a repository URL`);
    repos.push({ name: DEFAULT_FLEET_REPO_NAME, url: config.fleetRepoUrl!, branch: config.fleetBranch, path: config.fleetPath });
  }
  const listed = config.fleetRepos.filter((r) => !(fromUrl && r.name === DEFAULT_FLEET_REPO_NAME && r.url === config.fleetRepoUrl));
  if (repos.length + listed.length === 0) throw new Error(`${names.fleetRepoUrl} or ${names.fleetRepos} is required`);
  const validated = validateFleetRepos([...repos, ...listed], (i, field) => {
    if (fromUrl && i === 0) return field === 'branch' ? names.fleetBranch : field === 'path' ? names.fleetPath : names.fleetRepoUrl;
    return `${names.fleetRepos}[${fromUrl ? i - 1 : i}].${field}`;
  });
  if (fromUrl) validated[0] = { ...validated[0], url: config.fleetRepoUrl! };
  return validated;
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
