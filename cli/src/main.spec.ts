import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODES, exitCodeHelp, exitCodeTable } from './exit-codes';
import { runCli } from './testing/run-cli';

/** An address nothing listens on: a port just given up. */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('gitfleet: exit codes', () => {
  it('are documented in docs/cli.md exactly as cli/src/exit-codes.ts defines them, and listed by --help', async () => {
    const docs = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');
    const table = /<!-- exit-codes: generated from cli\/src\/exit-codes.ts -->\n([\s\S]*?)\n<!-- end of exit-codes -->/.exec(docs)?.[1];
    expect(table).toBe(exitCodeTable());
    const help = await runCli(['--help']);
    expect(help.stdout).toContain(`Exit codes:\n${exitCodeHelp()}\n`);
    for (const { code } of EXIT_CODES) expect(help.stdout).toMatch(new RegExp(`^ +${code}  \\S`, 'm'));
  });
});

describe('gitfleet: command line', () => {
  it('--help lists every command and the global flags, exit 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(EXIT.ok);
    for (const name of [
      'status',
      'clusters',
      'bundles',
      'diff',
      'sync',
      'pause',
      'resume',
      'rollback',
      'rollout',
      'wait',
      'tokens',
      'events',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(stdout).toContain('GITFLEET_TOKEN');
  });

  it('<command> --help shows that command, without asking the hub', async () => {
    const { code, stdout } = await runCli(['rollback', '--help'], { env: { GITFLEET_HUB: 'http://127.0.0.1:1' } });
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('Usage: gitfleet rollback <bundle> --to <commit>');
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^gitfleet \d+\.\d+\.\d+\n$/);
  });

  it('no command at all is a usage error: help on stderr, exit 2', async () => {
    const { code, stdout, stderr } = await runCli([]);
    expect(code).toBe(EXIT.usage);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: gitfleet <command>');
  });

  it.each([
    [['frobnicate'], 'gitfleet: unknown command "frobnicate"; see gitfleet --help\n'],
    [['clusters', '--colour'], "gitfleet: Unknown option '--colour'; see gitfleet clusters --help\n"],
    [['status', '-o', 'yaml'], 'gitfleet: -o must be one of table, json, wide, got "yaml"; see gitfleet status --help\n'],
    [
      ['status', '--hub', 'ftp://hub'],
      'gitfleet: --hub (or GITFLEET_HUB) must be an http:// or https:// URL, got "ftp://hub"; see gitfleet status --help\n',
    ],
    [['status', '--timeout', 'soon'], 'gitfleet: --timeout must be a duration such as 10s or 2m, got "soon"; see gitfleet status --help\n'],
    [['diff'], 'gitfleet: missing <cluster>; see gitfleet diff --help\n'],
    [['pause', 'a', 'b'], 'gitfleet: unexpected argument "b"; see gitfleet pause --help\n'],
    [['rollback', 'web'], 'gitfleet: give exactly one of --to <commit> and --unpin; see gitfleet rollback --help\n'],
    [
      ['rollback', 'web', '--to', 'abc', '--unpin'],
      'gitfleet: give exactly one of --to <commit> and --unpin; see gitfleet rollback --help\n',
    ],
    [
      ['rollback', 'web', '--to', 'HEAD~1'],
      'gitfleet: --to must be a commit SHA (at least 4 hex digits), got "head~1"; see gitfleet rollback --help\n',
    ],
    [['sync'], 'gitfleet: give a <cluster>, --bundle <bundle>, or both; see gitfleet sync --help\n'],
    [['clusters', '--label', 'env'], 'gitfleet: --label must be key=value, got "env"; see gitfleet clusters --help\n'],
    [
      ['clusters', '--state', 'happy'],
      'gitfleet: --state must be one of pending, active, revoked, connected, unreachable, got "happy"; see gitfleet clusters --help\n',
    ],
    [['clusters', 'get'], 'gitfleet: missing <name>; see gitfleet clusters --help\n'],
    [
      ['tokens', 'create', '--ttl', 'forever'],
      'gitfleet: --ttl must be a duration such as 1h or 7d, got "forever"; see gitfleet tokens --help\n',
    ],
    [
      ['tokens', 'create', '--max-uses', '0'],
      'gitfleet: --max-uses must be a positive whole number, got "0"; see gitfleet tokens --help\n',
    ],
    [['tokens', 'burn'], 'gitfleet: unknown tokens command "burn" (list, create, revoke); see gitfleet tokens --help\n'],
    [['events', '--limit', '9999'], 'gitfleet: --limit must be a whole number from 1 to 500, got "9999"; see gitfleet events --help\n'],
    [['wait'], 'gitfleet: give --commit <sha>; see gitfleet wait --help\n'],
    [['wait', '--commit', 'HEAD'], 'gitfleet: --commit must be 7 to 40 hex digits, got "head"; see gitfleet wait --help\n'],
    [
      ['wait', '--commit', 'abcdef0', '--for', 'ready'],
      'gitfleet: --for must be one of synced, healthy, got "ready"; see gitfleet wait --help\n',
    ],
    [['rollout', 'web', '--commit', 'abcdef0'], 'gitfleet: --commit goes with --watch; see gitfleet rollout --help\n'],
  ])('%j is a usage error (exit 2), checked before the hub is asked', async (argv, message) => {
    // Port 1 refuses connections: reaching the hub would exit 3, not 2.
    const { code, stdout, stderr } = await runCli(argv, { env: { GITFLEET_HUB: 'http://127.0.0.1:1' } });
    expect({ code, stdout, stderr }).toEqual({ code: EXIT.usage, stdout: '', stderr: message });
  });

  it('global flags may come before or after the command', async () => {
    const before = await runCli(['--hub', 'http://127.0.0.1:1', '-o', 'json', 'status']);
    const after = await runCli(['status', '-o', 'json', '--hub', 'http://127.0.0.1:1']);
    expect(before).toEqual(after);
    expect(before.code).toBe(EXIT.hub);
  });

  it('a hub URL with user:password in it is refused without echoing it', async () => {
    const { code, stderr } = await runCli(['status'], { env: { GITFLEET_HUB: 'http://ops:secret@127.0.0.1:1' } });
    expect(code).toBe(EXIT.usage);
    expect(stderr).not.toContain('secret');
    expect(stderr).toContain('must not hold user:password');
  });

  it('a hub that refuses connections is exit 3, naming the URL', async () => {
    const url = await closedPortUrl();
    const { code, stdout, stderr } = await runCli(['status'], { env: { GITFLEET_HUB: url } });
    expect(code).toBe(EXIT.hub);
    expect(stdout).toBe('');
    expect(stderr).toBe(`gitfleet: cannot reach the hub at ${url}: connection refused; set --hub or GITFLEET_HUB (ECONNREFUSED)\n`);
  });
});

describe('gitfleet: answers of a hub that are errors', () => {
  let server: Server;
  let url: string;
  const seen: { authorization?: string; url?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ authorization: req.headers.authorization, url: req.url });
      const reply = (status: number, body: string, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(body);
      if (req.url?.startsWith('/api/v1/clusters/slow')) setTimeout(() => reply(200, '{}'), 2000);
      else if (req.headers.authorization === undefined)
        reply(401, '{"code":"unauthenticated","message":"send an API token as \\"Authorization: Bearer <token>\\""}');
      else if (req.headers.authorization === 'Bearer wrong-token-0123456789')
        reply(401, '{"code":"unauthenticated","message":"unknown token wrong-token-0123456789"}');
      else if (req.url?.startsWith('/api/v1/rollouts/web/pause'))
        reply(
          403,
          '{"code":"forbidden","message":"POST /api/v1/rollouts/:bundle/pause needs the operator role; token \\"ci\\" has viewer"}',
        );
      else if (req.url?.startsWith('/api/v1/clusters/nope'))
        reply(404, '{"code":"cluster_not_found","message":"no cluster named \\"nope\\""}');
      else if (req.url?.startsWith('/api/v1/clusters/proxy')) reply(502, '<html>Bad Gateway</html>', 'text/html');
      else if (req.url?.startsWith('/api/v1/clusters/html')) reply(200, '<html>dashboard</html>', 'text/html');
      else reply(404, '{"code":"not_found","message":"no route"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('without a token: exit 3, telling to set GITFLEET_TOKEN', async () => {
    const { code, stderr } = await runCli(['clusters', 'get', 'c1', '--hub', url]);
    expect(code).toBe(EXIT.hub);
    expect(stderr).toBe('gitfleet: the hub wants an API token: set GITFLEET_TOKEN (or --token) to an API token (unauthenticated)\n');
  });

  it('a refused token is exit 3 and never shows up in the message, even when the server echoes it', async () => {
    const { code, stderr } = await runCli(['clusters', 'get', 'c1', '--hub', url], { env: { GITFLEET_TOKEN: 'wrong-token-0123456789' } });
    expect(code).toBe(EXIT.hub);
    expect(stderr).not.toContain('wrong-token-0123456789');
    expect(stderr).toBe(
      'gitfleet: the hub refused the API token (unknown token ***); set GITFLEET_TOKEN (or --token) to an API token that is valid (unauthenticated)\n',
    );
    expect(seen.at(-1)?.authorization).toBe('Bearer wrong-token-0123456789');
  });

  it('--token wins over GITFLEET_TOKEN', async () => {
    await runCli(['clusters', 'get', 'nope', '--hub', url, '--token', 'flag-token'], { env: { GITFLEET_TOKEN: 'env-token' } });
    expect(seen.at(-1)?.authorization).toBe('Bearer flag-token');
  });

  it("a role the token lacks is exit 3 with the hub's message and code", async () => {
    const { code, stderr } = await runCli(['pause', 'web', '--hub', url, '--token', 't']);
    expect(code).toBe(EXIT.hub);
    expect(stderr).toBe('gitfleet: POST /api/v1/rollouts/:bundle/pause needs the operator role; token "ci" has viewer (forbidden)\n');
  });

  it("any other refusal is exit 1 with the hub's message and code", async () => {
    const { code, stderr } = await runCli(['clusters', 'get', 'nope', '--hub', url, '--token', 't']);
    expect(code).toBe(EXIT.problem);
    expect(stderr).toBe('gitfleet: no cluster named "nope" (cluster_not_found)\n');
  });

  it('a proxy that cannot reach the hub is exit 3', async () => {
    const { code, stderr } = await runCli(['clusters', 'get', 'proxy', '--hub', url, '--token', 't']);
    expect(code).toBe(EXIT.hub);
    expect(stderr).toBe(`gitfleet: cannot reach the hub at ${url}: the hub answered 502 Bad Gateway (http_502)\n`);
  });

  it('an answer that is not JSON says --hub may be wrong, exit 3', async () => {
    const { code, stderr } = await runCli(['clusters', 'get', 'html', '--hub', url, '--token', 't']);
    expect(code).toBe(EXIT.hub);
    expect(stderr).toContain("with something that is not JSON; is --hub the hub's HTTP address? (not_json)");
  });

  it('a hub slower than --timeout is exit 3', async () => {
    const { code, stderr } = await runCli(['clusters', 'get', 'slow', '--hub', url, '--token', 't', '--timeout', '200ms']);
    expect(code).toBe(EXIT.hub);
    expect(stderr).toBe(`gitfleet: the hub at ${url} did not answer within 0.2s (timeout)\n`);
  });
});
