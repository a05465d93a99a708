import { HealthStatus } from '#proto';
import type { LiveCache } from '../drift/live-cache';
import { assessHealth, type KubeObjectLike } from '../health';
import type { ChangeSetEntry, ResourceHealth } from './change-set';

export interface HealthWaitOptions {
  /** How long a sync waits for Progressing resources to settle before it reports. */
  timeoutMs: number;
}

export function defaultHealthWaitOptions(): HealthWaitOptions {
  return { timeoutMs: 30_000 };
}

/** Health of one object from the live cache (not there: Missing). */
export function healthOf(live: LiveCache, entry: ChangeSetEntry): ResourceHealth {
  return assessHealth(live.get(entry.ref) as KubeObjectLike | undefined);
}

/**
 * Gives each entry its health, waiting (bounded, driven by the live cache's watches) while
 * any applied resource is Progressing or not yet seen. Later changes are reported by the
 * engine as HEALTH reports.
 */
export async function assessAfterApply(live: LiveCache, entries: ChangeSetEntry[], options: HealthWaitOptions): Promise<void> {
  const tracked = entries.filter((e) => e.action === 'created' || e.action === 'configured' || e.action === 'unchanged');
  const unsettled = (): boolean =>
    tracked.some((e) => {
      const status = healthOf(live, e).status;
      return status === HealthStatus.HEALTH_STATUS_PROGRESSING || status === HealthStatus.HEALTH_STATUS_MISSING;
    });
  if (options.timeoutMs > 0 && unsettled()) {
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const unsubscribe = live.subscribe(() => {
        if (!unsettled()) finish();
      });
      const timer = setTimeout(finish, options.timeoutMs);
    });
  }
  for (const entry of entries) {
    if (entry.action === 'deleted' || entry.action === 'failed') continue;
    entry.health = healthOf(live, entry);
  }
}
