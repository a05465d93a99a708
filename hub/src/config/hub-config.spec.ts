import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_SETTINGS, loadHubConfig, resolveHubConfig } from './hub-config';

const REQUIRED = { FLEET_REPO_URL: 'https://git.example/fleet.git', BOOTSTRAP_TOKEN: 'a'.repeat(16) };

describe('loadHubConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadHubConfig(REQUIRED)).toEqual({
      databaseUrl: undefined,
      databaseConnectTimeoutMs: 60_000,
      dataDir: '.gitfleet/hub',
      httpHost: '127.0.0.1',
      httpPort: 8080,
      grpcHost: '127.0.0.1',
      grpcPort: 9090,
      fleetRepoUrl: 'https://git.example/fleet.git',
      fleetBranch: 'main',
      fleetPath: 'fleet',
      fleetRepos: [{ name: 'default', url: 'https://git.example/fleet.git', branch: 'main', path: 'fleet' }],
      fleetPollIntervalMs: 15_000,
      webhookSecret: undefined,
      bootstrapToken: 'a'.repeat(16),
      adminToken: undefined,
      heartbeatIntervalMs: 10_000,
      logLevel: 'info',
      notifyWebhooks: [],
      notifyRetryDelayMs: 4_000,
      reportRetentionDays: 7,
      historyRetentionDays: 90,
      auditRetentionDays: 365,
      grpcTlsCertFile: undefined,
      grpcTlsKeyFile: undefined,
      clusterApprovalRequired: false,
      rolloutTickIntervalMs: 10_000,
      agentAuth: 'mtls-or-bearer',
      caCertFile: undefined,
      caKeyFile: undefined,
      agentCertValidityMs: 30 * 24 * 3600_000,
      grpcMaxHandshakes: 2000,
      grpcListenBacklog: 4096,
    });
  });

  it('reads how agents authenticate, refusing mtls without TLS and a CA file without its key', () => {
    const tls = { GRPC_TLS_CERT_FILE: '/tls/tls.crt', GRPC_TLS_KEY_FILE: '/tls/tls.key' };
    expect(loadHubConfig({ ...REQUIRED, ...tls, AGENT_AUTH: 'mtls', AGENT_CERT_VALIDITY: '3600' })).toMatchObject({
      agentAuth: 'mtls',
      agentCertValidityMs: 3_600_000,
    });
    expect(() => loadHubConfig({ ...REQUIRED, AGENT_AUTH: 'mtls' })).toThrow(
      'AGENT_AUTH=mtls needs gRPC TLS: set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE',
    );
    expect(() => loadHubConfig({ ...REQUIRED, AGENT_AUTH: 'tls' })).toThrow(
      'AGENT_AUTH must be one of bearer, mtls, mtls-or-bearer, got "tls"',
    );
    expect(() => loadHubConfig({ ...REQUIRED, HUB_CA_CERT: '/ca/ca.crt' })).toThrow('HUB_CA_CERT and HUB_CA_KEY go together');
    expect(() => loadHubConfig({ ...REQUIRED, AGENT_CERT_VALIDITY: '4' })).toThrow('AGENT_CERT_VALIDITY must be at least 5 seconds');
  });

  it('takes the gRPC TLS certificate and key together or not at all', () => {
    const config = loadHubConfig({ ...REQUIRED, GRPC_TLS_CERT_FILE: '/tls/tls.crt', GRPC_TLS_KEY_FILE: '/tls/tls.key' });
    expect([config.grpcTlsCertFile, config.grpcTlsKeyFile]).toEqual(['/tls/tls.crt', '/tls/tls.key']);
    expect(() => loadHubConfig({ ...REQUIRED, GRPC_TLS_CERT_FILE: '/tls/tls.crt' })).toThrow(
      'GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE go together: set both for TLS, or neither',
    );
  });

  it('reads retention in whole days, 0 keeping everything', () => {
    const config = loadHubConfig({ ...REQUIRED, REPORT_RETENTION_DAYS: '2', HISTORY_RETENTION_DAYS: '7', AUDIT_RETENTION_DAYS: '0' });
    expect([config.reportRetentionDays, config.historyRetentionDays, config.auditRetentionDays]).toEqual([2, 7, 0]);
    expect(() => loadHubConfig({ ...REQUIRED, HISTORY_RETENTION_DAYS: '1.5' })).toThrow(
      'HISTORY_RETENTION_DAYS must be a whole number of days (0 keeps everything), got "1.5"',
    );
    expect(() => loadHubConfig({ ...REQUIRED, AUDIT_RETENTION_DAYS: '-1' })).toThrow(/^AUDIT_RETENTION_DAYS must be a whole number/);
  });

  it('reads every variable, intervals in seconds', () => {
    const config = loadHubConfig({
      ...REQUIRED,
      DATABASE_URL: 'postgres://hub@db:5432/gitfleet',
      HUB_DATA_DIR: '/var/lib/gitfleet',
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: '0',
      GRPC_HOST: '::1',
      GRPC_PORT: '9443',
      FLEET_BRANCH: 'release/v1',
      FLEET_PATH: './clusters/',
      FLEET_POLL_INTERVAL: '2.5',
      HEARTBEAT_INTERVAL: '3',
      LOG_LEVEL: 'debug',
      ADMIN_TOKEN: 'admin-'.repeat(4),
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://hub@db:5432/gitfleet',
      dataDir: '/var/lib/gitfleet',
      httpPort: 0,
      grpcHost: '::1',
      grpcPort: 9443,
      fleetBranch: 'release/v1',
      fleetPath: 'clusters',
      fleetPollIntervalMs: 2500,
      heartbeatIntervalMs: 3000,
      logLevel: 'debug',
      adminToken: 'admin-'.repeat(4),
    });
  });

  it.each([
    [{ FLEET_REPO_URL: '' }, /FLEET_REPO_URL or FLEET_REPOS is required/],
    [{ BOOTSTRAP_TOKEN: undefined }, /BOOTSTRAP_TOKEN is required/],
    [{ BOOTSTRAP_TOKEN: 'short' }, /BOOTSTRAP_TOKEN must be at least 16 characters/],
    [{ HTTP_PORT: '80x' }, /HTTP_PORT must be a port number/],
    [{ GRPC_PORT: '70000' }, /GRPC_PORT must be a port number/],
    [{ FLEET_POLL_INTERVAL: '0' }, /FLEET_POLL_INTERVAL must be a positive number of seconds/],
    [{ HEARTBEAT_INTERVAL: 'often' }, /HEARTBEAT_INTERVAL must be a positive number of seconds/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
    [{ FLEET_PATH: '../up' }, /FLEET_PATH must be a relative directory/],
    [{ FLEET_BRANCH: '--upload-pack=x' }, /FLEET_BRANCH is not a valid branch name/],
    [{ FLEET_REPO_URL: '--upload-pack=evil' }, /FLEET_REPO_URL is not a repository URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ FLEET_REPOS: '{"name":"x"}' }, /^FLEET_REPOS must be a JSON array/],
    [{ FLEET_REPOS: 'not json' }, /^FLEET_REPOS must be a JSON array/],
    [{ FLEET_REPOS: '[{"name":"Bad_Name","url":"https://g/x.git"}]' }, /^FLEET_REPOS\[0\]\.name must be a DNS-1123 label/],
    [{ FLEET_REPOS: '[{"name":"default","url":"https://g/x.git"}]' }, /^FLEET_REPOS\[0\]\.name "default" is used twice/],
    [{ FLEET_REPOS: '[{"name":"a","url":"ext::sh -c evil"}]' }, /^FLEET_REPOS\[0\]\.url: /],
    [{ FLEET_REPOS: '[{"name":"a","url":"https://g/x.git","branch":"--x"}]' }, /^FLEET_REPOS\[0\]\.branch is not a valid branch name/],
    [{ FLEET_REPOS: '[{"name":"a","url":"https://g/x.git","path":"../x"}]' }, /^FLEET_REPOS\[0\]\.path must be a relative directory/],
    [{ FLEET_REPOS: '[{"name":"a","url":"https://g/x.git","token":"t"}]' }, /^FLEET_REPOS\[0\]\.token: unknown field/],
    [
      { FLEET_REPOS: '[{"name":"a","url":"ssh://g/x.git","sshKeyFile":"/nonexistent/key"}]' },
      /^FLEET_REPOS\[0\]\.sshKeyFile: "\/nonexistent\/key" does not exist/,
    ],
    [{ FLEET_REPOS: '[{"name":"a","url":"https://g/x.git","policy":"strict"}]' }, /^FLEET_REPOS\[0\]\.policy: /],
    [
      { FLEET_REPOS: '[{"name":"a","url":"https://g/x.git","policy":{"namespaces":["ok","bad name"]}}]' },
      /^FLEET_REPOS\[0\]\.policy\.namespaces\[1\]: /,
    ],
    [
      { FLEET_REPOS: '[{"name":"a","url":"https://g/x.git","policy":{"allowEverything":true}}]' },
      /^FLEET_REPOS\[0\]\.policy: .*allowEverything/,
    ],
    [{ FLEET_REPOS: '[]', FLEET_REPOS_FILE: '/x.json' }, /set FLEET_REPOS or FLEET_REPOS_FILE, not both/],
    [{ FLEET_REPOS_FILE: '/nonexistent/repos.json' }, /^FLEET_REPOS_FILE: cannot read/],
    [{ WEBHOOK_SECRET: 'short' }, /^WEBHOOK_SECRET must be at least 16 characters/],
    [{ ADMIN_TOKEN: 'short' }, /^ADMIN_TOKEN must be at least 16 characters/],
    [{ CLUSTER_APPROVAL_REQUIRED: 'yes' }, /^CLUSTER_APPROVAL_REQUIRED must be true or false, got "yes"/],
    [{ ROLLOUT_TICK_INTERVAL: '-1' }, /^ROLLOUT_TICK_INTERVAL must be a positive number of seconds/],
    [{ NOTIFY_WEBHOOKS: '[', NOTIFY_WEBHOOKS_FILE: '/x.json' }, /set NOTIFY_WEBHOOKS or NOTIFY_WEBHOOKS_FILE, not both/],
    [{ NOTIFY_WEBHOOKS: 'nope' }, /^NOTIFY_WEBHOOKS must be a JSON array of webhooks/],
  ])('refuses %o naming the variable', (override, message) => {
    expect(() => loadHubConfig({ ...REQUIRED, ...override })).toThrow(message);
  });

  it("reads a fleet repository's policy, the defaults filled in", () => {
    const config = loadHubConfig({
      ...REQUIRED,
      FLEET_REPOS: JSON.stringify([
        {
          name: 'teams',
          url: 'https://g/teams.git',
          policy: { deniedKinds: ['core/Secret'], clusterScoped: false, namespaces: ['team-*'] },
        },
        { name: 'platform', url: 'https://g/platform.git', policy: { allowPrivilegedBindings: true } },
      ]),
    });
    expect(config.fleetRepos.find((r) => r.name === 'default')?.policy).toBeUndefined();
    expect(config.fleetRepos.find((r) => r.name === 'teams')?.policy).toEqual({
      allowedKinds: [],
      deniedKinds: ['core/Secret'],
      denyClusterScoped: true,
      namespaces: ['team-*'],
      allowPrivilegedBindings: false,
      allowedBindings: [],
    });
    expect(config.fleetRepos.find((r) => r.name === 'platform')?.policy?.allowPrivilegedBindings).toBe(true);
  });

  it('reads several fleet repositories from FLEET_REPOS or a file, the FLEET_REPO_URL one first as "default"', async () => {
    const env = {
      ...REQUIRED,
      FLEET_REPOS: JSON.stringify([
        {
          name: 'platform',
          url: 'https://git.example/platform.git',
          branch: 'release',
          path: './fleet/',
          username: 'bot',
          password: 'tok-123',
        },
        { name: 'teams', url: 'ssh://git@git.example/teams.git' },
      ]),
      WEBHOOK_SECRET: 'w'.repeat(20),
    };
    const config = loadHubConfig(env);
    expect(config.fleetRepos).toEqual([
      { name: 'default', url: 'https://git.example/fleet.git', branch: 'main', path: 'fleet' },
      { name: 'platform', url: 'https://git.example/platform.git', branch: 'release', path: 'fleet', username: 'bot', password: 'tok-123' },
      { name: 'teams', url: 'ssh://git@git.example/teams.git', branch: 'main', path: 'fleet' },
    ]);
    expect(config.webhookSecret).toBe('w'.repeat(20));

    const dir = await mkdtemp(join(tmpdir(), 'gitfleet-config-'));
    try {
      await writeFile(join(dir, 'token'), 'from-a-file\n');
      await writeFile(
        join(dir, 'repos.json'),
        JSON.stringify([{ name: 'only', url: 'https://g/x.git', passwordFile: join(dir, 'token') }]),
      );
      const fromFile = loadHubConfig({ BOOTSTRAP_TOKEN: REQUIRED.BOOTSTRAP_TOKEN, FLEET_REPOS_FILE: join(dir, 'repos.json') });
      expect(fromFile.fleetRepoUrl).toBeUndefined();
      expect(fromFile.fleetRepos).toEqual([
        { name: 'only', url: 'https://g/x.git', branch: 'main', path: 'fleet', password: 'from-a-file' },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never puts a password into its error messages', () => {
    const env = { ...REQUIRED, FLEET_REPOS: JSON.stringify([{ name: 'a', url: 'https://bot:hunter2-secret@g/x.git', branch: '..' }]) };
    expect(() => loadHubConfig(env)).toThrow(/FLEET_REPOS\[0\]\.branch/);
    try {
      loadHubConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('reads outgoing notification webhooks, naming the variable and entry of a bad one', () => {
    const webhooks = [{ name: 'oncall', url: 'https://hooks.example/T/B/x', format: 'slack', events: ['sync.failed'] }];
    const config = loadHubConfig({ ...REQUIRED, NOTIFY_WEBHOOKS: JSON.stringify(webhooks), NOTIFY_RETRY_DELAY: '2' });
    expect(config.notifyWebhooks).toEqual(webhooks);
    expect(config.notifyRetryDelayMs).toBe(2000);
    expect(() => loadHubConfig({ ...REQUIRED, NOTIFY_WEBHOOKS: '[{' })).toThrow('NOTIFY_WEBHOOKS must be a JSON array');
    expect(() => loadHubConfig({ ...REQUIRED, NOTIFY_WEBHOOKS: '[{"name":"x","url":"nope"}]' })).toThrow('NOTIFY_WEBHOOKS[0] ("x").url');
    expect(() => loadHubConfig({ ...REQUIRED, NOTIFY_WEBHOOKS_FILE: '/nonexistent/hooks.json' })).toThrow(
      /^NOTIFY_WEBHOOKS_FILE: cannot read/,
    );
  });

  it('names properties, not variables, when called from code', () => {
    expect(() => resolveHubConfig({ fleetRepoUrl: 'x', bootstrapToken: 'short' })).toThrow(/^bootstrapToken must be/);
  });
});

describe('docs/configuration.md', () => {
  /** The hub's table: variable(s) in backticks in the first column, the default in the second. */
  const rows = (() => {
    const text = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');
    const table = text.slice(text.indexOf('## Hub'), text.indexOf('\n### ', text.indexOf('## Hub')));
    return table
      .split('\n')
      .filter((line) => /^\| `[A-Z_]+`/.test(line))
      .map((line) => {
        const [variables = '', fallback = ''] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
        return { variables: [...variables.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]), fallback };
      });
  })();
  const documented = rows.flatMap((row) => row.variables);

  it('documents every setting the hub reads, and no other', () => {
    const read = Object.values(HUB_SETTINGS).flatMap((setting) => (setting.nameIn ? [setting.env, `${setting.env}_FILE`] : [setting.env]));
    expect([...documented].sort()).toEqual([...read].sort());
  });

  it("gives each setting's default", () => {
    for (const setting of Object.values(HUB_SETTINGS)) {
      if (setting.default === undefined || Array.isArray(setting.default)) continue;
      const row = rows.find((r) => r.variables.includes(setting.env))!;
      const position = row.variables.indexOf(setting.env);
      const shown = setting.shownDefault ?? String(setting.default);
      // A row of several variables lists their defaults in order: `a`, `b`.
      const defaults = [...row.fallback.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
      expect(defaults[position] ?? defaults[0], setting.env).toBe(shown);
    }
  });
});
