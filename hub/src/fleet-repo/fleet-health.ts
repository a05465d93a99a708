import type { FleetRepoState } from '../api-contract';
import type { FleetError } from './fleet-format';

/**
 * Whether a fleet repository is followed as it should be, kept in `fleet_source.last_error`:
 * the head commit that was refused (with its file:line errors), and the fetch that fails (with
 * its cause and since when). Both can hold at once — a refused head, then the server goes
 * away — and each clears on its own: a good commit clears the refusal, a fetch that works
 * clears the failure. Plain functions over plain objects; the service stores the result.
 */

/** The newest commit examined and refused; the clusters keep the last good commit. */
export interface RejectedHead {
  commit: string;
  errors: FleetError[];
  /** ISO time it was first refused. */
  at: string;
}

/** Fetching fails: the cause of the latest attempt, since when it fails, when it was last tried. */
export interface FetchFailure {
  message: string;
  since: string;
  lastAttemptAt: string;
}

export interface FleetHealth {
  rejected: RejectedHead | null;
  fetch: FetchFailure | null;
}

export type { FleetRepoState } from '../api-contract';

export const HEALTHY: FleetHealth = { rejected: null, fetch: null };

/**
 * The stored value, whatever wrote it: rows of hubs before this one hold `{ commit, errors }`
 * (commit null for a fetch failure).
 */
export function storedHealth(value: unknown, fetchedAt: Date | null): FleetHealth {
  if (value === null || typeof value !== 'object') return HEALTHY;
  const v = value as Partial<FleetHealth> & { commit?: string | null; errors?: FleetError[] };
  if ('rejected' in v || 'fetch' in v) return { rejected: v.rejected ?? null, fetch: v.fetch ?? null };
  const at = (fetchedAt ?? new Date(0)).toISOString();
  if (typeof v.commit === 'string') return { rejected: { commit: v.commit, errors: v.errors ?? [], at }, fetch: null };
  const message = v.errors?.[0]?.message ?? 'fetch failed';
  return { rejected: null, fetch: { message, since: at, lastAttemptAt: at } };
}

export function afterFetchFailed(health: FleetHealth, message: string, now: Date): FleetHealth {
  const at = now.toISOString();
  return { ...health, fetch: { message, since: health.fetch?.since ?? at, lastAttemptAt: at } };
}

export function afterFetched(health: FleetHealth): FleetHealth {
  return { ...health, fetch: null };
}

export function afterRejected(health: FleetHealth, commit: string, errors: FleetError[], now: Date): FleetHealth {
  const at = health.rejected?.commit === commit ? health.rejected.at : now.toISOString();
  return { ...health, rejected: { commit, errors, at } };
}

export function repoState(lastGoodCommit: string | null, health: FleetHealth): FleetRepoState {
  if (health.fetch !== null) return 'unreachable';
  if (health.rejected !== null) return 'rejected';
  return lastGoodCommit === null ? 'pending' : 'ok';
}

/** The stored form: null when nothing is wrong. */
export function storedForm(health: FleetHealth): FleetHealth | null {
  return health.rejected === null && health.fetch === null ? null : health;
}
