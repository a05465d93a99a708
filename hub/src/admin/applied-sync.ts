import type { AppliedSync } from '../api-contract';
import type { BundleStatusEntity } from '../status/bundle-status.entity';
import type { DeploymentView } from '../status/deployment-history';

/** Deployment history read, at most, to find a bundle's last applied sync on a cluster. */
const HISTORY_PAGES = 4;
const HISTORY_PAGE = 100;

type HistoryReader = (query: { cluster: string; bundle: string; limit: number; before?: string }) => Promise<{
  items: DeploymentView[];
  next: string | null;
}>;

/**
 * What a cluster runs of a bundle: the newest report that said synced, kept beside the newest
 * report whatever came after (bundle_status.applied_*) — its commit, change set and resources.
 * Rows stored before those columns existed fall back to the newest synced entry of the
 * deployment history (commit and change set, no resources).
 */
export async function lastApplied(
  status: BundleStatusEntity | null,
  cluster: string,
  readHistory: HistoryReader,
): Promise<AppliedSync | null> {
  if (status === null) return null;
  if (status.appliedCommit !== null && status.appliedCommit !== undefined)
    return {
      commit: status.appliedCommit,
      at: status.appliedAt?.toISOString() ?? null,
      summary: status.appliedSummary,
      resources: status.appliedResources ?? [],
    };
  if (status.phase === 'synced')
    return {
      commit: status.commit,
      at: (status.observedAt ?? status.updatedAt).toISOString(),
      summary: status.summary,
      resources: status.resources,
    };
  let before: string | undefined;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const { items, next } = await readHistory({ cluster, bundle: status.bundle, limit: HISTORY_PAGE, before });
    const synced = items.find((d) => d.result === 'synced');
    if (synced !== undefined) return { commit: synced.commit, at: synced.finishedAt, summary: synced.summary, resources: [] };
    if (next === null) return null;
    before = next;
  }
  return null;
}
