import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareRepo } from '../../../test/support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../../test/support/postgres';
import { launchHub, type RunningHub } from '../hub';
import { BUNDLE, CONFIGMAP } from '../testing/hub-fixture';
import { gitAuthEnvironment, separateCredentials } from './git-auth';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readdir } from 'node:fs/promises';

const USER = 'fleet-bot';
const TOKEN = 'tok-3xtr4-s3cr3t';

/** Serves one bare repository over smart HTTP (git http-backend as CGI), behind basic auth. */
function serveRepo(repo: BareRepo): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const expected = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;
    seen.push(req.url ?? '');
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const [path, query = ''] = (req.url ?? '').split('?');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: repo.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: path.replace(/^\/git/, ''),
        QUERY_STRING: query,
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: USER,
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [name, ...rest] = line.split(':');
        if (name.toLowerCase() === 'status') status = Number(rest.join(':').trim().split(' ')[0]);
        else res.setHeader(name, rest.join(':').trim());
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/git/repo.git`, seen }),
    ),
  );
}

describe('fleet-repo: credentials of a private repository', () => {
  let repo: BareRepo;
  let served: Awaited<ReturnType<typeof serveRepo>>;
  let db: ThrowawayDatabase;
  let hub: RunningHub;
  let dataDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    repo = await BareRepo.create();
    await repo.commit({ 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') });
    served = await serveRepo(repo);
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
    served?.server.close();
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
