import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { serveRepoOverHttp } from '../../../test/support/git-http';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { launchHub, type RunningHub } from '../hub';
import { BUNDLE, CONFIGMAP } from '../testing/hub-fixture';
import { gitAuthEnvironment, separateCredentials } from './git-auth';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readdir } from 'node:fs/promises';

const USER = 'fleet-bot';
const TOKEN = 'tok-3xtr4-s3cr3t';

describe('fleet-repo: credentials of a private repository', () => {
  let repo: BareRepo;
  let served: Awaited<ReturnType<typeof serveRepoOverHttp>>;
  let db: ThrowawayDatabase;
  let hub: RunningHub;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    repo = await BareRepo.create();
    await repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    served = await serveRepoOverHttp(repo, { user: USER, password: TOKEN });
    db = await createThrowawayDatabase('gitfleet_hub');
    dataDir = await mkdtemp(join(tmpdir(), 'gitfleet-hub-'));
    ({ hub } = await launchHub(
      {
        databaseUrl: db.url,
        dataDir,
        fleetRepos: [{ name: 'private', url: served.url, branch: 'main', path: 'fleet', username: USER, password: TOKEN }],
        bootstrapToken: 'a-bootstrap-token-long-enough',
        adminToken: 'an-admin-token-long-enough',
        httpPort: 0,
        grpcPort: 0,
        logLevel: 'trace',
      },
      { write: (line: string) => void logs.push(line) },
    ));
  });

  afterAll(async () => {
    await hub?.stop();
    await db?.drop();
    await served?.stop();
    await repo?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fetches with the token, and neither logs, the API nor the mirror hold it', async () => {
    const text = await (
      await fetch(`${hub.httpUrl}/api/v1/fleet`, { headers: { authorization: 'Bearer an-admin-token-long-enough' } })
    ).text();
    expect(JSON.parse(text)).toMatchObject({ name: 'private', url: served.url, commit: await repo.head(), error: null });
    expect(text).not.toContain(TOKEN);
    expect(logs.join('\n')).toContain('fleet commit accepted');
    expect(logs.join('\n')).not.toContain(TOKEN);
    expect(logs.join('\n')).not.toContain(Buffer.from(`${USER}:${TOKEN}`).toString('base64'));
    const [mirror] = await readdir(join(dataDir, 'git'));
    const gitConfig = await readFile(join(dataDir, 'git', mirror, 'config'), 'utf8');
    expect(gitConfig).not.toContain(TOKEN);
    expect(gitConfig).not.toContain(Buffer.from(`${USER}:${TOKEN}`).toString('base64'));
  });

  it('moves credentials written into a URL out of it, and builds the SSH command', () => {
    const { url, auth } = separateCredentials(`https://${USER}:${TOKEN}@git.example/fleet.git`);
    expect(url).toBe('https://git.example/fleet.git');
    expect(auth).toEqual({ username: USER, password: TOKEN });
    expect(separateCredentials('ssh://git@git.example/fleet.git')).toEqual({ url: 'ssh://git@git.example/fleet.git', auth: {} });
    expect(gitAuthEnvironment(url, auth)).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://git.example/fleet.git.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`,
    });
    expect(
      gitAuthEnvironment('ssh://git@git.example/fleet.git', {
        sshKeyFile: '/keys/id ed25519',
        knownHostsFile: '/etc/gitfleet/known_hosts',
      }),
    ).toEqual({
      GIT_SSH_COMMAND:
        "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -i '/keys/id ed25519' -o IdentitiesOnly=yes -o UserKnownHostsFile=/etc/gitfleet/known_hosts",
    });
  });
});
