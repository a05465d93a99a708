import { HealthStatus, Target } from '#proto';
import { describe, expect, it } from 'vitest';
import { inventoryKey } from '../inventory/inventory';
import { BundleStatus } from './bundle-status';
import type { ChangeSetEntry, TargetSyncResult } from '../model/change-set';

const H = HealthStatus;
const entry = (name: string, status?: HealthStatus, action: ChangeSetEntry['action'] = 'created'): ChangeSetEntry => ({
  ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name },
  action,
  ...(status !== undefined ? { health: { status, message: `${name} is ${status}` } } : {}),
});
const key = (name: string) => inventoryKey(entry(name).ref);

function result(changes: ChangeSetEntry[]): TargetSyncResult {
  return { bundle: 'web', commit: 'c', targetSetRevision: '1', phase: 'synced', message: '', changes, observedAt: new Date() };
}

describe('BundleStatus health', () => {
  it('keeps the worst status as resources change, the same as a walk over every resource', () => {
    const status = new BundleStatus(Target.fromPartial({ bundle: 'web' }), '1');
    status.took(
      result([entry('a', H.HEALTH_STATUS_HEALTHY), entry('b', H.HEALTH_STATUS_PROGRESSING), entry('c'), entry('d', undefined, 'failed')]),
      [],
    );
    expect(status.healthStatus()).toBe(H.HEALTH_STATUS_PROGRESSING);
    expect(status.isHealthy()).toBe(false);

    const steps: [string, HealthStatus, HealthStatus][] = [
      ['b', H.HEALTH_STATUS_HEALTHY, H.HEALTH_STATUS_HEALTHY],
      ['c', H.HEALTH_STATUS_DEGRADED, H.HEALTH_STATUS_DEGRADED],
      ['a', H.HEALTH_STATUS_MISSING, H.HEALTH_STATUS_DEGRADED],
      ['c', H.HEALTH_STATUS_HEALTHY, H.HEALTH_STATUS_MISSING],
      ['a', H.HEALTH_STATUS_HEALTHY, H.HEALTH_STATUS_HEALTHY],
      ['d', H.HEALTH_STATUS_DEGRADED, H.HEALTH_STATUS_HEALTHY], // a failed resource's health is not taken
    ];
    for (const [name, now, bundle] of steps) {
      status.setHealth(key(name), { status: now, message: '' });
      expect(status.healthStatus()).toBe(bundle);
      expect(status.health().status).toBe(bundle);
    }
    expect(status.isHealthy()).toBe(true);

    // A new sync result replaces the counts.
    status.took(result([entry('a', H.HEALTH_STATUS_SUSPENDED)]), []);
    expect(status.healthStatus()).toBe(H.HEALTH_STATUS_SUSPENDED);
  });
});
