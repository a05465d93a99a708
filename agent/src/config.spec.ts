import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { AGENT_SETTINGS, completeAgentConfig, ConfigError, loadAgentConfig, parseClusterLabels } from './config';

const minimal = { HUB_ADDRESS: 'hub.example.com:9090', CLUSTER_NAME: 'prod-eu-1' };

function errorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAgentConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadAgentConfig(minimal)).toEqual({
      hubAddress: 'hub.example.com:9090',
      clusterName: 'prod-eu-1',
      clusterLabels: {},
      namespace: 'gitfleet-system',
      cacheDir: join(tmpdir(), 'gitfleet-agent-prod-eu-1'),
      heartbeatIntervalMs: 10_000,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadAgentConfig({
      ...minimal,
      BOOTSTRAP_TOKEN: 'tok',
      CLUSTER_LABELS: 'env=prod, region=eu-west ,example.com/tier=gold',
      AGENT_NAMESPACE: 'fleet',
      CACHE_DIR: '/var/cache/gitfleet',
      HEARTBEAT_INTERVAL: '2.5',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      bootstrapToken: 'tok',
      clusterLabels: { env: 'prod', region: 'eu-west', 'example.com/tier': 'gold' },
      namespace: 'fleet',
      cacheDir: '/var/cache/gitfleet',
      heartbeatIntervalMs: 2500,
      logLevel: 'debug',
    });
  });

  it.each([
    [{ CLUSTER_NAME: 'a' }, 'HUB_ADDRESS', 'is required'],
    [{ HUB_ADDRESS: 'h:1' }, 'CLUSTER_NAME', 'is required'],
    [{ ...minimal, HUB_ADDRESS: 'http://hub:9090' }, 'HUB_ADDRESS', 'must be host:port'],
    [{ ...minimal, HUB_ADDRESS: 'hub:70000' }, 'HUB_ADDRESS', 'port must be between'],
    [{ ...minimal, CLUSTER_NAME: 'Prod_EU' }, 'CLUSTER_NAME', 'DNS-1123 label'],
    [{ ...minimal, CLUSTER_NAME: 'x'.repeat(64) }, 'CLUSTER_NAME', 'DNS-1123 label'],
    [{ ...minimal, AGENT_NAMESPACE: 'Not-Valid' }, 'AGENT_NAMESPACE', 'DNS-1123 label'],
    [{ ...minimal, CLUSTER_LABELS: 'env' }, 'CLUSTER_LABELS', 'is not key=value'],
    [{ ...minimal, CLUSTER_LABELS: 'env=prod,env=dev' }, 'CLUSTER_LABELS', 'given twice'],
    [{ ...minimal, CLUSTER_LABELS: 'bad key=x' }, 'CLUSTER_LABELS', 'not a valid label key'],
    [{ ...minimal, CLUSTER_LABELS: 'env=not valid!' }, 'CLUSTER_LABELS', 'not a valid label value'],
    [{ ...minimal, HEARTBEAT_INTERVAL: '0' }, 'HEARTBEAT_INTERVAL', 'positive number of seconds'],
    [{ ...minimal, HEARTBEAT_INTERVAL: '10s' }, 'HEARTBEAT_INTERVAL', 'positive number of seconds'],
    [{ ...minimal, LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'must be one of'],
    [{ ...minimal, HUB_TLS: 'yes' }, 'HUB_TLS', 'must be true or false'],
    [{ ...minimal, HUB_TLS: 'false', HUB_CA_FILE: '/x' }, 'HUB_TLS', 'HUB_CA_FILE or HUB_TLS_SERVER_NAME is set'],
    [{ ...minimal, HUB_CA_FILE: '/nonexistent/ca.crt' }, 'HUB_CA_FILE', 'cannot read /nonexistent/ca.crt: ENOENT'],
    [{ ...minimal, HEALTH_PORT: 'http' }, 'HEALTH_PORT', 'must be a port number (0-65535), got "http"'],
    [{ ...minimal, HEALTH_PORT: '70000' }, 'HEALTH_PORT', 'must be a port number'],
    [{ ...minimal, HEALTH_HOST: '0.0.0.0' }, 'HEALTH_HOST', 'HEALTH_PORT is not'],
    [{ ...minimal, AGENT_POLICY: '{namespaces' }, 'AGENT_POLICY', 'must be a JSON object'],
    [{ ...minimal, AGENT_POLICY: '{"namespaces":["a","b c"]}' }, 'AGENT_POLICY', 'namespaces[1]: '],
    [{ ...minimal, AGENT_POLICY: '{"allowAll":true}' }, 'AGENT_POLICY', 'allowAll'],
  ])('refuses %o naming %s', (env, variable, problem) => {
    const error = errorOf(() => loadAgentConfig(env));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(problem);
  });

  it("reads the agent's own policy from AGENT_POLICY, none without it", () => {
    expect(loadAgentConfig(minimal).policy).toBeUndefined();
    expect(loadAgentConfig({ ...minimal, AGENT_POLICY: '{"deniedKinds":["core/Secret"],"clusterScoped":false}' }).policy).toEqual({
      allowedKinds: [],
      deniedKinds: ['core/Secret'],
      denyClusterScoped: true,
      namespaces: [],
      allowPrivilegedBindings: false,
      allowedBindings: [],
    });
  });

  it('serves probes only when HEALTH_PORT is set, on loopback unless HEALTH_HOST says otherwise', () => {
    expect(loadAgentConfig(minimal).health).toBeUndefined();
    expect(loadAgentConfig({ ...minimal, HEALTH_PORT: '8081' }).health).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(loadAgentConfig({ ...minimal, HEALTH_PORT: '8081', HEALTH_HOST: '0.0.0.0' }).health).toEqual({ host: '0.0.0.0', port: 8081 });
  });

  it('reads TLS to the hub: HUB_TLS alone (system roots), or a CA file and a server name', async () => {
    expect(loadAgentConfig(minimal).hubTls).toBeUndefined();
    expect(loadAgentConfig({ ...minimal, HUB_TLS: 'false' }).hubTls).toBeUndefined();
    expect(loadAgentConfig({ ...minimal, HUB_TLS: 'true' }).hubTls).toEqual({});
    const dir = await mkdtemp(join(tmpdir(), 'agent-config-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      await writeFile(join(dir, 'ca.crt'), pem);
      await writeFile(join(dir, 'not.pem'), 'hello');
      expect(loadAgentConfig({ ...minimal, HUB_CA_FILE: join(dir, 'ca.crt'), HUB_TLS_SERVER_NAME: 'hub.internal' }).hubTls).toEqual({
        caPem: pem,
        serverName: 'hub.internal',
      });
      const error = errorOf(() => loadAgentConfig({ ...minimal, HUB_CA_FILE: join(dir, 'not.pem') }));
      expect([error.variable, error.message]).toEqual(['HUB_CA_FILE', `HUB_CA_FILE: ${join(dir, 'not.pem')} holds no PEM certificate`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never puts the bootstrap token in an error message', () => {
    const error = errorOf(() => loadAgentConfig({ ...minimal, BOOTSTRAP_TOKEN: 'super-secret-token', LOG_LEVEL: 'nope' }));
    expect(error.message).not.toContain('super-secret-token');
  });
});

describe('parseClusterLabels', () => {
  it('treats an empty string as no labels', () => {
    expect(parseClusterLabels('')).toEqual({});
    expect(parseClusterLabels(' , ')).toEqual({});
  });

  it('allows empty values, as Kubernetes does', () => {
    expect(parseClusterLabels('edge=')).toEqual({ edge: '' });
  });
});

describe('completeAgentConfig', () => {
  it('fills defaults for a programmatic start and validates what it is given', () => {
    expect(completeAgentConfig({ hubAddress: '127.0.0.1:1234', clusterName: 'alpha', cacheDir: undefined })).toMatchObject({
      namespace: 'gitfleet-system',
      cacheDir: join(tmpdir(), 'gitfleet-agent-alpha'),
      heartbeatIntervalMs: 10_000,
    });
    expect(errorOf(() => completeAgentConfig({ hubAddress: '127.0.0.1:1234', clusterName: 'Alpha' })).variable).toBe('CLUSTER_NAME');
  });
});

describe('docs/configuration.md', () => {
  /** The agent's table: variable in backticks in the first column, the default in the second. */
  const rows = (() => {
    const text = readFileSync(join(__dirname, '../../docs/configuration.md'), 'utf8');
    const start = text.indexOf('## Agent');
    const table = text.slice(start, text.indexOf('\n#', start + 1));
    return table
      .split('\n')
      .filter((line) => /^\| `[A-Z_]+`/.test(line))
      .map((line) => {
        const [variable = '', fallback = ''] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
        return { variable: /`([A-Z_]+)`/.exec(variable)![1], fallback };
      });
  })();
  /** Documented there, read by someone else: the Kubernetes client reads KUBECONFIG. */
  const READ_ELSEWHERE = ['KUBECONFIG'];

  it('documents every setting the agent reads, and no other', () => {
    const documented = rows.map((row) => row.variable).filter((name) => !READ_ELSEWHERE.includes(name));
    expect(documented.sort()).toEqual(
      Object.values(AGENT_SETTINGS)
        .map((setting) => setting.env)
        .sort(),
    );
  });

  it("gives each setting's default", () => {
    for (const setting of Object.values(AGENT_SETTINGS)) {
      if (setting.default === undefined || typeof setting.default === 'object') continue;
      const row = rows.find((r) => r.variable === setting.env)!;
      const shown = setting.shownDefault ?? String(setting.default);
      expect(/`([^`]*)`/.exec(row.fallback)?.[1], setting.env).toBe(shown);
    }
  });
});
