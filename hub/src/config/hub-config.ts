import {
  DEFAULT_FLEET_REPO_NAME,
  normaliseDirectory,
  readFleetReposVariable,
  validateFleetRepos,
  type FleetRepoConfig,
} from './fleet-repos';
import { isRefName } from '../fleet-repo/git-ref';
import { readNotifyWebhooksVariable, validateNotifyWebhooks, type NotifyWebhook } from '../notifications/notify-webhooks';

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
  /**
   * GRPC_MAX_HANDSHAKES: agent connections being set up (authenticated, Hello not yet
   * answered) at once; beyond it a Connect is refused with RESOURCE_EXHAUSTED and a retry hint.
   */
  grpcMaxHandshakes: number;
}

export const MIN_BOOTSTRAP_TOKEN_LENGTH = 16;
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MIN_ADMIN_TOKEN_LENGTH = 16;

const DEFAULTS = {
  databaseConnectTimeoutMs: 60_000,
  dataDir: '.gitfleet/hub',
  httpHost: '127.0.0.1',
  httpPort: 8080,
  grpcHost: '127.0.0.1',
  grpcPort: 9090,
  fleetBranch: 'main',
  fleetPath: 'fleet',
  fleetRepos: [] as FleetRepoConfig[],
  fleetPollIntervalMs: 15_000,
  heartbeatIntervalMs: 10_000,
  logLevel: 'info',
  notifyWebhooks: [] as NotifyWebhook[],
  notifyRetryDelayMs: 4_000,
  reportRetentionDays: 7,
  historyRetentionDays: 90,
  auditRetentionDays: 365,
  grpcMaxHandshakes: 2_000,
} satisfies Partial<HubConfig>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the hub's configuration from environment variables; a bad value throws naming the variable. */
export function loadHubConfig(env: NodeJS.ProcessEnv): HubConfig {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const seconds = (name: string, fallbackMs: number): number => {
    const value = text(name);
    if (value === undefined) return fallbackMs;
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
      throw new Error(`${name} must be a positive number of seconds, got "${value}"`);
    }
    return Math.round(Number(value) * 1000);
  };
  const port = (name: string, fallback: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
    return Number(value);
  };
  const days = (name: string, fallback: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number of days (0 keeps everything), got "${value}"`);
    return Number(value);
  };
  const count = (name: string, fallback: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new Error(`${name} must be a whole number from 1, got "${value}"`);
    return Number(value);
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined) throw new Error(`${name} is required`);
    return value;
  };

  return resolveHubConfig(
    {
      databaseUrl: text('DATABASE_URL'),
      databaseConnectTimeoutMs: seconds('DATABASE_CONNECT_TIMEOUT_SECONDS', DEFAULTS.databaseConnectTimeoutMs),
      dataDir: text('HUB_DATA_DIR') ?? DEFAULTS.dataDir,
      httpHost: text('HTTP_HOST') ?? DEFAULTS.httpHost,
      httpPort: port('HTTP_PORT', DEFAULTS.httpPort),
      grpcHost: text('GRPC_HOST') ?? DEFAULTS.grpcHost,
      grpcPort: port('GRPC_PORT', DEFAULTS.grpcPort),
      fleetRepoUrl: text('FLEET_REPO_URL'),
      fleetBranch: text('FLEET_BRANCH') ?? DEFAULTS.fleetBranch,
      fleetPath: text('FLEET_PATH') ?? DEFAULTS.fleetPath,
      fleetRepos: readFleetReposVariable(env, { branch: DEFAULTS.fleetBranch, path: DEFAULTS.fleetPath }),
      webhookSecret: text('WEBHOOK_SECRET'),
      fleetPollIntervalMs: seconds('FLEET_POLL_INTERVAL', DEFAULTS.fleetPollIntervalMs),
      bootstrapToken: required('BOOTSTRAP_TOKEN'),
      adminToken: text('ADMIN_TOKEN'),
      heartbeatIntervalMs: seconds('HEARTBEAT_INTERVAL', DEFAULTS.heartbeatIntervalMs),
      logLevel: text('LOG_LEVEL') ?? DEFAULTS.logLevel,
      notifyWebhooks: readNotifyWebhooksVariable(env) as NotifyWebhook[],
      notifyRetryDelayMs: seconds('NOTIFY_RETRY_DELAY', DEFAULTS.notifyRetryDelayMs),
      reportRetentionDays: days('REPORT_RETENTION_DAYS', DEFAULTS.reportRetentionDays),
      historyRetentionDays: days('HISTORY_RETENTION_DAYS', DEFAULTS.historyRetentionDays),
      auditRetentionDays: days('AUDIT_RETENTION_DAYS', DEFAULTS.auditRetentionDays),
      grpcTlsCertFile: text('GRPC_TLS_CERT_FILE'),
      grpcTlsKeyFile: text('GRPC_TLS_KEY_FILE'),
      grpcMaxHandshakes: count('GRPC_MAX_HANDSHAKES', DEFAULTS.grpcMaxHandshakes),
    },
    {
      databaseUrl: 'DATABASE_URL',
      databaseConnectTimeoutMs: 'DATABASE_CONNECT_TIMEOUT_SECONDS',
      dataDir: 'HUB_DATA_DIR',
      httpHost: 'HTTP_HOST',
      httpPort: 'HTTP_PORT',
      grpcHost: 'GRPC_HOST',
      grpcPort: 'GRPC_PORT',
      fleetRepoUrl: 'FLEET_REPO_URL',
      fleetBranch: 'FLEET_BRANCH',
      fleetPath: 'FLEET_PATH',
      fleetRepos: text('FLEET_REPOS_FILE') !== undefined ? 'FLEET_REPOS_FILE' : 'FLEET_REPOS',
      fleetPollIntervalMs: 'FLEET_POLL_INTERVAL',
      webhookSecret: 'WEBHOOK_SECRET',
      bootstrapToken: 'BOOTSTRAP_TOKEN',
      adminToken: 'ADMIN_TOKEN',
      heartbeatIntervalMs: 'HEARTBEAT_INTERVAL',
      logLevel: 'LOG_LEVEL',
      notifyWebhooks: text('NOTIFY_WEBHOOKS_FILE') !== undefined ? 'NOTIFY_WEBHOOKS_FILE' : 'NOTIFY_WEBHOOKS',
      notifyRetryDelayMs: 'NOTIFY_RETRY_DELAY',
      reportRetentionDays: 'REPORT_RETENTION_DAYS',
      historyRetentionDays: 'HISTORY_RETENTION_DAYS',
      auditRetentionDays: 'AUDIT_RETENTION_DAYS',
      grpcTlsCertFile: 'GRPC_TLS_CERT_FILE',
      grpcTlsKeyFile: 'GRPC_TLS_KEY_FILE',
      grpcMaxHandshakes: 'GRPC_MAX_HANDSHAKES',
    },
  );
}

type ConfigNames = Record<keyof HubConfig, string>;

/**
 * Fills defaults into a partial configuration (as `startHub` receives it) and validates the
 * whole; errors name the environment variable, or the property when called from code.
 */
export function resolveHubConfig(
  partial: Partial<HubConfig> & Pick<HubConfig, 'bootstrapToken'>,
  names: ConfigNames = propertyNames(),
): HubConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const config: HubConfig = { ...DEFAULTS, ...defined } as HubConfig;

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
  for (const key of ['fleetPollIntervalMs', 'heartbeatIntervalMs', 'databaseConnectTimeoutMs'] as const) {
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
  for (const key of ['reportRetentionDays', 'historyRetentionDays', 'auditRetentionDays'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0)
      throw new Error(`${names[key]} must be a whole number of days (0 keeps everything)`);
  }
  if (!Number.isInteger(config.grpcMaxHandshakes) || config.grpcMaxHandshakes < 1)
    throw new Error(`${names.grpcMaxHandshakes} must be a whole number from 1`);
  if (!LOG_LEVELS.includes(config.logLevel)) {
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

function propertyNames(): ConfigNames {
  const keys: (keyof HubConfig)[] = [
    'databaseUrl',
    'databaseConnectTimeoutMs',
    'dataDir',
    'httpHost',
    'httpPort',
    'grpcHost',
    'grpcPort',
    'fleetRepoUrl',
    'fleetBranch',
    'fleetPath',
    'fleetRepos',
    'fleetPollIntervalMs',
    'webhookSecret',
    'bootstrapToken',
    'adminToken',
    'heartbeatIntervalMs',
    'logLevel',
    'notifyWebhooks',
    'notifyRetryDelayMs',
    'reportRetentionDays',
    'historyRetentionDays',
    'auditRetentionDays',
    'grpcTlsCertFile',
    'grpcTlsKeyFile',
    'grpcMaxHandshakes',
  ];
  return Object.fromEntries(keys.map((k) => [k, k])) as ConfigNames;
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
