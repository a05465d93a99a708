/**
 * The hub's HTTP API as the scale benchmark drives it: a signed push webhook, a whole list read
 * page by page, and what the dashboard's fleet view loads.
 */
import { createHmac } from 'node:crypto';

/** A GitHub push notification for the fleet repository, signed with the hub's WEBHOOK_SECRET. */
export async function pushWebhook(httpUrl: string, secret: string, repoUrl: string, branch: string): Promise<void> {
  const body = JSON.stringify({ ref: `refs/heads/${branch}`, repository: { clone_url: repoUrl } });
  const res = await fetch(new URL('/api/v1/webhooks/git', httpUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  const answer = (await res.json()) as { status?: string };
  if (res.status !== 202 || answer.status !== 'fetching')
    throw new Error(`the push webhook was not taken: ${res.status} ${JSON.stringify(answer)}`);
}

/** Reads every page of a list endpoint; the number of items. */
export async function listAll(httpUrl: string, token: string, path: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const url = new URL(path, httpUrl);
    url.searchParams.set('limit', '500');
    if (cursor !== null) url.searchParams.set('cursor', cursor);
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`GET ${url.pathname} answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: unknown[]; next: string | null };
    count += page.items.length;
    cursor = page.next;
  } while (cursor !== null);
  return count;
}

/** What the dashboard's fleet view loads (hub/src/dashboard/public/js: fleet banner and matrix). */
export async function dashboardFleetData(httpUrl: string, token: string): Promise<void> {
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(new URL(path, httpUrl), { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return response.json();
  };
  // What the fleet view asks for at first paint (hub/src/dashboard/public/js/matrix.js): the
  // repositories' banner, the counts and the first page of rows; the unreachable banner's first
  // names only when the counts say some active clusters are unreachable.
  const [, summary] = await Promise.all([
    get('/api/v1/fleet'),
    get('/api/v1/summary') as Promise<{ unreachableActive: number }>,
    get('/api/v1/clusters?limit=200'),
  ]);
  if (summary.unreachableActive > 0) await get('/api/v1/clusters?state=active&connectivity=unreachable&limit=20');
}

/**
 * The gate a pipeline polls after `git push`: GET /api/v1/commits/:commit. Its state, the
 * clusters it counted and the size of its answer.
 */
export async function commitGate(
  httpUrl: string,
  token: string,
  commit: string,
): Promise<{ state: string; clusters: number; bytes: number }> {
  const response = await fetch(new URL(`/api/v1/commits/${commit}`, httpUrl), { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET /api/v1/commits/${commit} answered ${response.status}: ${text.slice(0, 200)}`);
  const answer = JSON.parse(text) as { state: string; counts: { clusters: number } };
  return { state: answer.state, clusters: answer.counts.clusters, bytes: Buffer.byteLength(text) };
}

/** GET /api/v1/rollouts/:bundle: its state, the clusters its partitions count, and the answer's size. */
export async function rolloutOf(
  httpUrl: string,
  token: string,
  bundle: string,
): Promise<{ state: string; clusters: number; listed: number; bytes: number }> {
  const path = `/api/v1/rollouts/${encodeURIComponent(bundle)}`;
  const response = await fetch(new URL(path, httpUrl), { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
  const answer = JSON.parse(text) as { state: string; partitions: { counts?: Record<string, number>; clusters: unknown[] }[] };
  // A hub from before the counts listed every cluster: those are its counts (to compare with one).
  const counted = answer.partitions.flatMap((p) => (p.counts === undefined ? [p.clusters.length] : Object.values(p.counts)));
  return {
    state: answer.state,
    clusters: counted.reduce((a, b) => a + b, 0),
    listed: answer.partitions.reduce((n, p) => n + p.clusters.length, 0),
    bytes: Buffer.byteLength(text),
  };
}
