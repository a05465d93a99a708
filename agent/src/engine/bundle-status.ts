import { canonicalJson } from '#core';
import { HealthStatus, type Target } from '#proto';
import { severity, worstHealth } from '../health';
import { inventoryKey } from '../inventory/inventory';
import type { ChangeSetEntry, ReportReason, ResourceHealth, TargetSyncResult } from '../model/change-set';
import type { DesiredObject } from '../model/desired-object';

/**
 * What the agent knows of one target between syncs: its last sync result and, per resource,
 * health and drift as the watches keep them. Drift and health reports are snapshots of it.
 */
export class BundleStatus {
  target: Target;
  revision: string;
  readonly desired = new Map<string, DesiredObject>();
  private last: TargetSyncResult | undefined;
  /** The target `last` stands for: the one synced, or the one it was restamped with since. */
  private lastTarget: Target | undefined;
  private readonly entries = new Map<string, ChangeSetEntry>();
  /** Resources per health status: the bundle's status without a walk over every resource on each change. */
  private readonly healthCounts = new Map<HealthStatus, number>();
  reportedHealth: HealthStatus | undefined;
  reportedDrift = 0;

  constructor(target: Target, revision: string) {
    this.target = target;
    this.revision = revision;
  }

  get phase(): TargetSyncResult['phase'] | undefined {
    return this.last?.phase;
  }

  /** A finished sync: it replaces what was known. */
  took(result: TargetSyncResult, desired: readonly DesiredObject[]): void {
    this.last = result;
    this.lastTarget = this.target;
    this.desired.clear();
    for (const object of desired) this.desired.set(inventoryKey(object.ref), object);
    this.entries.clear();
    // Copies: the result has been reported as it is; what the watches learn later must not change it.
    for (const entry of result.changes) this.entries.set(inventoryKey(entry.ref), { ...entry });
    this.healthCounts.clear();
    for (const entry of this.entries.values()) if (entry.health) this.count(entry.health.status, 1);
    this.reportedHealth = this.healthStatus();
    this.reportedDrift = this.driftCount();
  }

  /** Records drift of one resource; true when that changes what is known. */
  setDrift(key: string, diff: string | undefined): boolean {
    const entry = this.entries.get(key);
    if (!entry || entry.driftDiff === diff) return false;
    if (diff === undefined) delete entry.driftDiff;
    else entry.driftDiff = diff;
    return true;
  }

  /** Records the health of one resource; true when its status changed. */
  setHealth(key: string, health: ResourceHealth): boolean {
    const entry = this.entries.get(key);
    if (!entry || entry.action === 'failed' || entry.action === 'deleted') return false;
    const changed = entry.health?.status !== health.status;
    if (entry.health) this.count(entry.health.status, -1);
    this.count(health.status, 1);
    entry.health = health;
    return changed;
  }

  /** The bundle's health status (its worst resource's), kept as resources change. */
  healthStatus(): HealthStatus {
    let worst = HealthStatus.HEALTH_STATUS_HEALTHY;
    for (const [status, n] of this.healthCounts) if (n > 0 && severity(status) > severity(worst)) worst = status;
    return worst;
  }

  private count(status: HealthStatus, delta: number): void {
    this.healthCounts.set(status, (this.healthCounts.get(status) ?? 0) + delta);
  }

  health(): ResourceHealth {
    const assessed = [...this.entries.values()].flatMap((e) => (e.health ? [e.health] : []));
    return worstHealth(assessed);
  }

  driftCount(): number {
    return [...this.entries.values()].filter((e) => e.driftDiff !== undefined).length;
  }

  /** Healthy in the sense of dependsOn: synced, and every resource Healthy. */
  isHealthy(): boolean {
    return this.last?.phase === 'synced' && this.healthStatus() === HealthStatus.HEALTH_STATUS_HEALTHY;
  }

  /**
   * The same content at another commit or TargetSet revision: the last result now stands for
   * them. Returns it as a SYNC report, or undefined when nothing changed (or nothing is known).
   * A target exactly as before in a new TargetSet (another bundle's target changed) is not
   * reported: the hub counts a report from the revision that last changed the target as current
   * (target_set.bundle_revisions), so reporting it would tell the hub nothing, once per bundle
   * of every cluster at every commit.
   */
  restamp(target: Target, revision: string): TargetSyncResult | undefined {
    this.target = target;
    this.revision = revision;
    const commit = target.source?.commit ?? '';
    if (!this.last) return undefined;
    const same = this.lastTarget !== undefined && sameTarget(this.lastTarget, target);
    this.lastTarget = target;
    if (this.last.commit === commit && (same || this.last.targetSetRevision === revision)) return undefined;
    this.last = { ...this.last, commit, targetSetRevision: revision };
    return this.snapshot('sync');
  }

  /** The state now, as a result to report for `reason`. */
  snapshot(reason: ReportReason): TargetSyncResult | undefined {
    if (!this.last) return undefined;
    const { syncStartedAt: _started, ...rest } = this.last;
    return { ...rest, changes: [...this.entries.values()].map((e) => ({ ...e })), observedAt: new Date(), reason };
  }
}

/** Whether two targets are the same in every field (as the hub's checksum sees them, map order aside). */
function sameTarget(a: Target, b: Target): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
