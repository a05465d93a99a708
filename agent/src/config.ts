import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isDns1123Label, isLabelKey, isLabelValue, parseBundlePolicy, type BundlePolicy } from '#core';
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULT_NAMESPACE = 'gitfleet-system';
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/** Reads and validates the agent's settings; a bad value throws a ConfigError naming the variable. */
export function loadAgentConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const hubAddress = required(env, 'HUB_ADDRESS');
  const clusterName = required(env, 'CLUSTER_NAME');
  const bootstrapToken = optional(env, 'BOOTSTRAP_TOKEN');
  const heartbeatSeconds = optional(env, 'HEARTBEAT_INTERVAL');
  const hubTls = readHubTls(env);
  const health = readHealth(env);
  const policy = readPolicy(env);
  const config: AgentConfig = {
    hubAddress,
    ...(bootstrapToken === undefined ? {} : { bootstrapToken }),
    clusterName,
    clusterLabels: parseClusterLabels(optional(env, 'CLUSTER_LABELS') ?? ''),
    namespace: optional(env, 'AGENT_NAMESPACE') ?? DEFAULT_NAMESPACE,
    cacheDir: optional(env, 'CACHE_DIR') ?? defaultCacheDir(clusterName),
    heartbeatIntervalMs:
      heartbeatSeconds === undefined ? DEFAULT_HEARTBEAT_INTERVAL_MS : parseSeconds('HEARTBEAT_INTERVAL', heartbeatSeconds),
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    ...(hubTls === undefined ? {} : { hubTls }),
    ...(health === undefined ? {} : { health }),
    ...(policy === undefined ? {} : { policy }),
  };
  validateAgentConfig(config);
  return config;
}

/** AGENT_POLICY → the agent's own bundle policy, or undefined (only the hub's applies). */
function readPolicy(env: NodeJS.ProcessEnv): BundlePolicy | undefined {
  const text = optional(env, 'AGENT_POLICY');
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
function readHealth(env: NodeJS.ProcessEnv): AgentConfig['health'] {
  const port = optional(env, 'HEALTH_PORT');
  const host = optional(env, 'HEALTH_HOST');
  if (port === undefined) {
    if (host !== undefined) throw new ConfigError('HEALTH_HOST', 'is set but HEALTH_PORT is not (the endpoint is off without a port)');
    return undefined;
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
    throw new ConfigError('HEALTH_PORT', `must be a port number (0-65535), got "${port}"`);
  return { host: host ?? '127.0.0.1', port: Number(port) };
}

/** HUB_TLS, HUB_CA_FILE, HUB_TLS_SERVER_NAME → the hub TLS settings, or undefined for plaintext. */
function readHubTls(env: NodeJS.ProcessEnv): AgentConfig['hubTls'] {
  const flag = optional(env, 'HUB_TLS');
  if (flag !== undefined && flag !== 'true' && flag !== 'false')
    throw new ConfigError('HUB_TLS', `must be "true" or "false", got "${flag}"`);
  const caFile = optional(env, 'HUB_CA_FILE');
  const serverName = optional(env, 'HUB_TLS_SERVER_NAME');
  if (flag === 'false' && (caFile !== undefined || serverName !== undefined)) {
    throw new ConfigError('HUB_TLS', 'is "false" but HUB_CA_FILE or HUB_TLS_SERVER_NAME is set');
  }
  if (flag !== 'true' && caFile === undefined && serverName === undefined) return undefined;
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
  const config: AgentConfig = {
    clusterLabels: {},
    namespace: DEFAULT_NAMESPACE,
    cacheDir: defaultCacheDir(partial.clusterName),
    heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
    logLevel: 'info',
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
  if (!LOG_LEVELS.includes(config.logLevel)) {
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

function parseSeconds(variable: string, text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0)) {
    throw new ConfigError(variable, `must be a positive number of seconds, got "${text}"`);
  }
  return Math.round(seconds * 1000);
}

function required(env: NodeJS.ProcessEnv, variable: string): string {
  const value = optional(env, variable);
  if (value === undefined) {
    throw new ConfigError(variable, 'is required');
  }
  return value;
}

function optional(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function defaultCacheDir(clusterName: string): string {
  return join(tmpdir(), `gitfleet-agent-${clusterName}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
