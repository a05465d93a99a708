/**
 * A bare repository served over smart HTTP (git http-backend as CGI) behind basic auth: a
 * private repository for tests, with a record of every request and whether it carried the
 * right credentials.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BareRepo } from './git';

export interface ServedRepo {
  /** http://127.0.0.1:<port>/git/repo.git, without credentials. */
  url: string;
  /** Every request: its path and whether it was let in. */
  seen: { path: string; authorized: boolean }[];
  stop(): Promise<void>;
}

export function serveRepoOverHttp(repo: BareRepo, credentials: { user: string; password: string }): Promise<ServedRepo> {
  const seen: ServedRepo['seen'] = [];
  const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const authorized = req.headers.authorization === expected;
    seen.push({ path: req.url ?? '', authorized });
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const [path = '', query = ''] = (req.url ?? '').split('?');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: repo.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: path.replace(/^\/git/, ''),
        QUERY_STRING: query,
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: credentials.user,
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
        const [name = '', ...rest] = line.split(':');
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
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/git/repo.git`,
        seen,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}
