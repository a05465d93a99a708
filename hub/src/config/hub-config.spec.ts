import { describe, expect, it } from 'vitest';
import { loadHubConfig, resolveHubConfig } from './hub-config';

const REQUIRED = { FLEET_REPO_URL: 'https://git.example/fleet.git', BOOTSTRAP_TOKEN: 'a'.repeat(16) };

describe('loadHubConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadHubConfig(REQUIRED)).toEqual({
      databaseUrl: undefined,
      dataDir: '.gitfleet/hub',
      httpHost: '127.0.0.1',
      httpPort: 8080,
      grpcHost: '127.0.0.1',
      grpcPort: 9090,
      fleetRepoUrl: 'https://git.example/fleet.git',
      fleetBranch: 'main',
      fleetPath: 'fleet',
      fleetPollIntervalMs: 15_000,
      bootstrapToken: 'a'.repeat(16),
      heartbeatIntervalMs: 10_000,
      logLevel: 'info',
    });
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
    });
  });

  it.each([
    [{ FLEET_REPO_URL: '' }, /FLEET_REPO_URL is required/],
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
  ])('refuses %o naming the variable', (override, message) => {
    expect(() => loadHubConfig({ ...REQUIRED, ...override })).toThrow(message);
  });

  it('names properties, not variables, when called from code', () => {
    expect(() => resolveHubConfig({ fleetRepoUrl: 'x', bootstrapToken: 'short' })).toThrow(/^bootstrapToken must be/);
  });
});
