import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, CONFIGMAP, eventually, startTestHub, type TestHub } from '../testing/hub-fixture';
import type { FleetView } from '../fleet-repo/fleet.controller';

const SECRET = 'webhook-secret-for-tests';
const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex');

describe('POST /api/v1/webhooks/git', () => {
  let t: TestHub;

  beforeAll(async () => {
    // Polling every 60 s: anything accepted within seconds came through the webhook.
    t = await startTestHub(
      { 'fleet/web.yaml': BUNDLE('web'), 'apps/web/cm.yaml': CONFIGMAP('web') },
      { webhookSecret: SECRET, fleetPollIntervalMs: 60_000 },
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  const served = async () => (await t.get<FleetView>('/api/v1/fleet')).body.commit;
  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${t.hub.httpUrl}/api/v1/webhooks/git`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const pushBody = (provider: 'github' | 'gitlab' | 'gitea', url: string, ref = 'refs/heads/main') =>
    JSON.stringify(provider === 'gitlab' ? { ref, project: { git_http_url: url } } : { ref, repository: { clone_url: url } });

  const cases = [
    ['GitHub', (body: string) => ({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(body)}` }), 'github'],
    ['GitLab', () => ({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }), 'gitlab'],
    ['Gitea', (body: string) => ({ 'x-gitea-event': 'push', 'x-gitea-signature': sign(body) }), 'gitea'],
  ] as const;

  it.each(cases)('a signed %s push fetches at once, without waiting for the poll', async (_name, headers, provider) => {
    const commit = await t.repo.commit({ [`fleet/${provider}.yaml`]: BUNDLE(provider, '{}', 'apps/web') }, `push via ${provider}`);
    // The payload spells the URL differently (trailing slash): still the same repository.
    const body = pushBody(provider, `${t.repo.url}/`);
    const res = await post(headers(body), body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'fetching', repos: ['default'] });
    await eventually(async () => expect(await served()).toBe(commit), { timeoutMs: 5_000 });
  });

  it.each([
    ['a wrong GitHub signature', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }],
    ['a missing GitHub signature', { 'x-github-event': 'push' }],
    ['a wrong GitLab token', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'guess' }],
    ['a Gitea signature of another body', { 'x-gitea-event': 'push', 'x-gitea-signature': sign('{}') }],
    ['no provider headers', {}],
  ])('%s → 401 and nothing fetched', async (_name, headers) => {
    const before = await served();
    await t.repo.commit({ 'fleet/unsigned.yaml': BUNDLE('unsigned', '{}', 'apps/web') }, 'should not be fetched');
    const res = await post(headers, pushBody('github', t.repo.url));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'webhook_unauthenticated' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await served()).toBe(before);
    await t.repo.git('reset', '--hard', 'HEAD~1');
    await t.repo.git('push', '--force', 'origin', 'HEAD:main');
  });

  it('ignores pushes to other repositories, other branches and other events', async () => {
    for (const body of [pushBody('github', 'https://github.com/someone/else.git'), pushBody('github', t.repo.url, 'refs/heads/feature')]) {
      const res = await post({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(body)}` }, body);
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ status: 'ignored', repos: [] });
    }
    const ping = '{"zen":"hi"}';
    const res = await post({ 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${sign(ping)}` }, ping);
    expect(await res.json()).toEqual({ status: 'ignored', repos: [], reason: 'not a push event' });
  });

  it('takes a push notification of several megabytes (GitHub sends up to 25 MB); the admin API stays at 1 MB', async () => {
    const commit = await t.repo.commit({ 'fleet/big.yaml': BUNDLE('big', '{}', 'apps/web') }, 'a big push');
    // A push of many commits: each listed with its message and files, as GitHub does.
    const commits = Array.from({ length: 3000 }, (_, i) => ({
      id: i.toString(16).padStart(40, '0'),
      message: 'x'.repeat(500),
      added: [`apps/web/file-${i}.yaml`],
    }));
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: t.repo.url }, commits });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await post({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign(body)}` }, body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'fetching', repos: ['default'] });
    await eventually(async () => expect(await served()).toBe(commit), { timeoutMs: 5_000 });

    const tooBig = await fetch(`${t.hub.httpUrl}/api/v1/api-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      body: JSON.stringify({ name: 'x', role: 'viewer', padding: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ code: 'payload_too_large', message: `the request body is larger than ${1024 * 1024} bytes` });
    const notJson = await fetch(`${t.hub.httpUrl}/api/v1/api-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      body: '{"name": ',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ code: 'invalid_argument', message: 'the request body is not valid JSON' });
  });
});
