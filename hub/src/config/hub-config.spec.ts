import { describe, expect, it } from 'vitest';
import { loadHubConfig, resolveHubConfig } from './hub-config';

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
      grpcMaxHandshakes: 2000,
    });
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
    [{ FLEET_REPOS: '[]', FLEET_REPOS_FILE: '/x.json' }, /set FLEET_REPOS or FLEET_REPOS_FILE, not both/],
    [{ FLEET_REPOS_FILE: '/nonexistent/repos.json' }, /^FLEET_REPOS_FILE: cannot read/],
    [{ WEBHOOK_SECRET: 'short' }, /^WEBHOOK_SECRET must be at least 16 characters/],
    [{ ADMIN_TOKEN: 'short' }, /^ADMIN_TOKEN must be at least 16 characters/],
  ])('refuses %o naming the variable', (override, message) => {
    expect(() => loadHubConfig({ ...REQUIRED, ...override })).toThrow(message);
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

    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
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
      /^NOTIFY_WEBHOOKS_FILE cannot be read/,
    );
  });

  it('names properties, not variables, when called from code', () => {
    expect(() => resolveHubConfig({ fleetRepoUrl: 'x', bootstrapToken: 'short' })).toThrow(/^bootstrapToken must be/);
  });
});
