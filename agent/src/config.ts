import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  bool,
  defaultsOf,
  isDns1123Label,
  isLabelKey,
  isLabelValue,
  oneOf,
  parseBundlePolicy,
  port,
  secret,
  seconds,
  text,
  textOf,
  type BundlePolicy,
  type Settings,
} from '#core';
import { join } from 'node:path';

export interface AgentConfig {
  /** HUB_ADDRESS: host:port of the hub's gRPC server. */
  hubAddress: string;
  /** BOOTSTRAP_TOKEN: needed only until the credential is stored in the cluster. */
  bootstrapToken?: string;
  /** CLUSTER_NAME: requested cluster name, a DNS-1123 label. */
  clusterName: string;
  /** CLUSTER_LABELS: "k=v,k2=v2". */
  clusterLabels: Record<string, string>;
  /** Kubeconfig YAML text; absent → KubeConfig.loadFromDefault() (KUBECONFIG or in-cluster). */
  kubeconfig?: string;
  /** AGENT_NAMESPACE: where the agent keeps its credential Secret. */
  namespace: string;
  /** CACHE_DIR: the git cache. */
  cacheDir: string;
  /** HEARTBEAT_INTERVAL (seconds in the environment, milliseconds here). */
  heartbeatIntervalMs: number;
  /** LOG_LEVEL: a pino level. */
  logLevel: string;
  /**
   * TLS to the hub (HUB_TLS=true, or HUB_CA_FILE set): the hub's certificate is checked against
   * `caPem` (HUB_CA_FILE's content) or the system's roots, for `serverName`
   * (HUB_TLS_SERVER_NAME) or the host of HUB_ADDRESS. Absent: plaintext.
   */
  hubTls?: { caPem?: string; serverName?: string };
  /**
   * The probe endpoint (`/healthz`, `/readyz`): HEALTH_PORT (0 picks a free one) and HEALTH_HOST
   * (default 127.0.0.1; the chart binds 0.0.0.0 for the kubelet). Absent: no endpoint.
   */
  health?: { host: string; port: number };
  /**
   * AGENT_POLICY: this cluster's own bundle policy (JSON, docs/policy.md). Every target must pass
   * it as well as the one the hub sends (or the default): it narrows the hub's, never widens it.
   */
  policy?: BundlePolicy;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const DEFAULT_NAMESPACE = 'gitfleet-system';
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/** The agent's variables as read, before they are checked together and shaped into an AgentConfig. */
export interface AgentVariables {
  hubAddress: string;
  bootstrapToken?: string;
  clusterName: string;
  clusterLabels: Record<string, string>;
  namespace: string;
  /** Default: `$TMPDIR/gitfleet-agent-<CLUSTER_NAME>`. */
  cacheDir?: string;
  heartbeatIntervalMs: number;
  logLevel: string;
  hubTls: boolean;
  hubCaFile?: string;
  hubTlsServerName?: string;
  healthPort?: number;
  healthHost?: string;
  policy?: BundlePolicy;
}

/**
 * Every agent setting, once: its variable, how it is read and its default. The loader, the
 * defaults of a programmatic start, the names errors give and the check of docs/configuration.md's
 * agent table (config.spec.ts) come from here.
 */
export const AGENT_SETTINGS: Settings<AgentVariables> = {
  hubAddress: text('HUB_ADDRESS'),
  bootstrapToken: secret('BOOTSTRAP_TOKEN'),
  clusterName: text('CLUSTER_NAME'),
  clusterLabels: {
    env: 'CLUSTER_LABELS',
    default: {},
    read: (env, name) => {
      const value = textOf(env, name);
      return value === undefined ? undefined : parseClusterLabels(value);
    },
  },
  namespace: text('AGENT_NAMESPACE', DEFAULT_NAMESPACE),
  cacheDir: text('CACHE_DIR'),
  heartbeatIntervalMs: seconds('HEARTBEAT_INTERVAL', DEFAULT_HEARTBEAT_INTERVAL_MS),
  logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  hubTls: bool('HUB_TLS', false),
  hubCaFile: text('HUB_CA_FILE'),
  hubTlsServerName: text('HUB_TLS_SERVER_NAME'),
  healthPort: port('HEALTH_PORT'),
  healthHost: text('HEALTH_HOST', '127.0.0.1'),
  policy: { env: 'AGENT_POLICY', read: (env, name) => readPolicy(textOf(env, name)) },
};

/** Reads and validates the agent's settings; a bad value throws a ConfigError naming the variable. */
export function loadAgentConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const read: Partial<AgentVariables> = {};
  for (const key of Object.keys(AGENT_SETTINGS) as (keyof AgentVariables)[]) {
    const setting = AGENT_SETTINGS[key];
    try {
      const value = setting.read(env, setting.env);
      if (value !== undefined) (read as Record<string, unknown>)[key] = value;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      // core's readers say "<VARIABLE> must be …"
      throw new ConfigError(setting.env, (error as Error).message.replace(new RegExp(`^${setting.env}:? `), ''));
    }
  }
  for (const key of ['hubAddress', 'clusterName'] as const) {
    if (read[key] === undefined) throw new ConfigError(AGENT_SETTINGS[key].env, 'is required');
  }
  const variables = { ...defaultsOf(AGENT_SETTINGS), ...read } as AgentVariables;
  const hubTls = hubTlsOf(variables, read.hubTls !== undefined);
  const health = healthOf(variables, read);
  const policy = variables.policy;
  const config: AgentConfig = {
    hubAddress: variables.hubAddress,
    ...(variables.bootstrapToken === undefined ? {} : { bootstrapToken: variables.bootstrapToken }),
    clusterName: variables.clusterName,
    clusterLabels: variables.clusterLabels,
    namespace: variables.namespace,
    cacheDir: variables.cacheDir ?? defaultCacheDir(variables.clusterName),
    heartbeatIntervalMs: variables.heartbeatIntervalMs,
    logLevel: variables.logLevel,
    ...(hubTls === undefined ? {} : { hubTls }),
    ...(health === undefined ? {} : { health }),
    ...(policy === undefined ? {} : { policy }),
  };
  validateAgentConfig(config);
  return config;
}

/** AGENT_POLICY → the agent's own bundle policy, or undefined (only the hub's applies). */
function readPolicy(text: string | undefined): BundlePolicy | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('AGENT_POLICY', 'must be a JSON object (docs/policy.md)');
  }
  try {
    return parseBundlePolicy(value, 'AGENT_POLICY');
  } catch (error) {
    throw new ConfigError('AGENT_POLICY', (error as Error).message.replace(/^AGENT_POLICY(: |\.)/, ''));
  }
}

/** HEALTH_PORT, HEALTH_HOST → the probe endpoint's address, or undefined (off). */
function healthOf(variables: AgentVariables, read: Partial<AgentVariables>): AgentConfig['health'] {
  if (read.healthPort === undefined) {
    if (read.healthHost !== undefined)
      throw new ConfigError('HEALTH_HOST', 'is set but HEALTH_PORT is not (the endpoint is off without a port)');
    return undefined;
  }
  if (read.healthPort > 65535) throw new ConfigError('HEALTH_PORT', `must be a port number (0-65535), got "${read.healthPort}"`);
  return { host: variables.healthHost ?? '127.0.0.1', port: read.healthPort };
}

/** HUB_TLS, HUB_CA_FILE, HUB_TLS_SERVER_NAME → the hub TLS settings, or undefined for plaintext. */
function hubTlsOf(variables: AgentVariables, flagSet: boolean): AgentConfig['hubTls'] {
  const { hubCaFile: caFile, hubTlsServerName: serverName } = variables;
  if (flagSet && !variables.hubTls && (caFile !== undefined || serverName !== undefined)) {
    throw new ConfigError('HUB_TLS', 'is "false" but HUB_CA_FILE or HUB_TLS_SERVER_NAME is set');
  }
  if (!variables.hubTls && caFile === undefined && serverName === undefined) return undefined;
  let caPem: string | undefined;
  if (caFile !== undefined) {
    try {
      caPem = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new ConfigError('HUB_CA_FILE', `cannot read ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('HUB_CA_FILE', `${caFile} holds no PEM certificate`);
  }
  return { ...(caPem === undefined ? {} : { caPem }), ...(serverName === undefined ? {} : { serverName }) };
}

/** Fills in defaults for a programmatic start (tests, the demo) and validates the result. */
export function completeAgentConfig(partial: Partial<AgentConfig> & Pick<AgentConfig, 'hubAddress' | 'clusterName'>): AgentConfig {
  const { clusterLabels, namespace, heartbeatIntervalMs, logLevel } = defaultsOf(AGENT_SETTINGS) as AgentVariables;
  const config: AgentConfig = {
    clusterLabels,
    namespace,
    cacheDir: defaultCacheDir(partial.clusterName),
    heartbeatIntervalMs,
    logLevel,
    ...stripUndefined(partial),
    hubAddress: partial.hubAddress,
    clusterName: partial.clusterName,
  };
  validateAgentConfig(config);
  return config;
}

export function validateAgentConfig(config: AgentConfig): void {
  if (!/^[^\s:/]+:\d{1,5}$/.test(config.hubAddress) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(config.hubAddress)) {
    throw new ConfigError('HUB_ADDRESS', `must be host:port, got "${config.hubAddress}"`);
  }
  const port = Number(config.hubAddress.slice(config.hubAddress.lastIndexOf(':') + 1));
  if (port < 1 || port > 65535) {
    throw new ConfigError('HUB_ADDRESS', `port must be between 1 and 65535, got ${port}`);
  }
  if (!isDns1123Label(config.clusterName)) {
    throw new ConfigError(
      'CLUSTER_NAME',
      `must be a DNS-1123 label (lower-case letters, digits and '-', at most 63), got "${config.clusterName}"`,
    );
  }
  if (!isDns1123Label(config.namespace)) {
    throw new ConfigError('AGENT_NAMESPACE', `must be a DNS-1123 label, got "${config.namespace}"`);
  }
  if (config.bootstrapToken !== undefined && config.bootstrapToken.trim() === '') {
    throw new ConfigError('BOOTSTRAP_TOKEN', 'must not be empty when set');
  }
  if (!(Number.isFinite(config.heartbeatIntervalMs) && config.heartbeatIntervalMs > 0)) {
    throw new ConfigError('HEARTBEAT_INTERVAL', 'must be a positive number of seconds');
  }
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${config.logLevel}"`);
  }
  if (config.cacheDir.trim() === '') {
    throw new ConfigError('CACHE_DIR', 'must not be empty');
  }
  for (const [key, value] of Object.entries(config.clusterLabels)) {
    checkLabel(key, value);
  }
}

/** Parses "k=v,k2=v2" into labels with Kubernetes label syntax; an empty string is no labels. */
export function parseClusterLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError('CLUSTER_LABELS', `"${item}" is not key=value`);
    }
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    checkLabel(key, value);
    if (key in labels) {
      throw new ConfigError('CLUSTER_LABELS', `label "${key}" is given twice`);
    }
    labels[key] = value;
  }
  return labels;
}

function checkLabel(key: string, value: string): void {
  if (!isLabelKey(key)) {
    throw new ConfigError('CLUSTER_LABELS', `"${key}" is not a valid label key`);
  }
  if (!isLabelValue(value)) {
    throw new ConfigError('CLUSTER_LABELS', `value "${value}" of label "${key}" is not a valid label value`);
  }
}

function defaultCacheDir(clusterName: string): string {
  return join(tmpdir(), `gitfleet-agent-${clusterName}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
