import type { ClusterView, CommitProgress, Page } from '../hub/src/api-contract';

/** The fleet status as the demo prints it: one row per cluster, one column per bundle. */

export type ClusterSummary = Pick<ClusterView, 'name' | 'labels' | 'connected' | 'bundles'>;

/** Every cluster, page by page, read with an API token (at least viewer). */
export async function fetchClusters(httpUrl: string, apiToken: string): Promise<ClusterSummary[]> {
  const items: ClusterSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetchPage(httpUrl, apiToken, cursor);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor !== null);
  return items;
}

async function fetchPage(httpUrl: string, apiToken: string, cursor: string | null): Promise<Page<ClusterSummary>> {
  const query = cursor === null ? '?limit=500' : `?limit=500&cursor=${encodeURIComponent(cursor)}`;
  const res = await fetch(`${httpUrl}/api/v1/clusters${query}`, { headers: { authorization: `Bearer ${apiToken}` } });
  if (!res.ok) throw new Error(`GET /api/v1/clusters answered ${res.status}`);
  return (await res.json()) as Page<ClusterSummary>;
}

/**
 * Every expected cluster is connected and every bundle it should run is synced at the commit its
 * TargetSet asks for. Which commit that is the hub decides (a bundle a commit left alone keeps
 * an earlier one): `commitReached` says whether a commit got there.
 */
export function isFleetSynced(items: ClusterSummary[], expectedClusters: number): boolean {
  return (
    items.length >= expectedClusters &&
    items.every((c) => c.connected && c.bundles.length > 0 && c.bundles.every((b) => b.phase === 'synced' && b.commit === b.desiredCommit))
  );
}

/** Whether the hub's commit gate (GET /api/v1/commits/:commit) says `commit` reached every cluster its bundles target. */
export async function commitReached(httpUrl: string, apiToken: string, commit: string): Promise<boolean> {
  const res = await fetch(`${httpUrl}/api/v1/commits/${commit}?limit=1`, { headers: { authorization: `Bearer ${apiToken}` } });
  if (!res.ok) throw new Error(`GET /api/v1/commits/${commit} answered ${res.status}`);
  return ((await res.json()) as Pick<CommitProgress, 'state'>).state === 'reached';
}

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : '-');

export function renderStatusTable(items: ClusterSummary[]): string {
  const bundles = [...new Set(items.flatMap((c) => c.bundles.map((b) => b.bundle)))].sort();
  const header = ['CLUSTER', 'LINK', 'LABELS', ...bundles.map((b) => b.toUpperCase())];
  const rows = [...items]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => [
      c.name,
      c.connected ? 'connected' : 'unreachable',
      Object.entries(c.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      ...bundles.map((name) => {
        const b = c.bundles.find((x) => x.bundle === name);
        return b ? `${b.condition.text}@${short(b.commit)}` : '·';
      }),
    ]);
  if (rows.length === 0) return 'no clusters registered yet';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
