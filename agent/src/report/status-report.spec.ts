import { describe, expect, it } from 'vitest';
import { HealthStatus, ReportReason, ResourceAction, StatusReport, SyncPhase } from '#proto';
import type { ChangeSetEntry, TargetSyncResult } from '../model/change-set';
import { buildStatusReport } from './status-report';
import { ReportSequence } from './sequence';

function entry(name: string, action: ChangeSetEntry['action'], error?: string): ChangeSetEntry {
  return { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name }, action, ...(error ? { error } : {}) };
}

function result(changes: ChangeSetEntry[], phase: TargetSyncResult['phase'] = 'synced', message = ''): TargetSyncResult {
  return {
    bundle: 'web',
    commit: 'a'.repeat(40),
    targetSetRevision: '7',
    phase,
    message,
    changes,
    observedAt: new Date('2025-01-02T03:04:05.000Z'),
  };
}

describe('buildStatusReport', () => {
  it('carries bundle, commit, revision, phase and one result per resource', () => {
    const report = buildStatusReport(result([entry('a', 'created'), entry('b', 'unchanged')]), '42');
    expect(report).toEqual(
      StatusReport.fromPartial({
        seq: '42',
        bundle: 'web',
        commit: 'a'.repeat(40),
        phase: SyncPhase.SYNC_PHASE_SYNCED,
        message: '',
        observedAt: '2025-01-02T03:04:05.000Z',
        targetSetRevision: '7',
        resources: [
          {
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'a' },
            action: ResourceAction.RESOURCE_ACTION_CREATED,
            error: '',
          },
          {
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'b' },
            action: ResourceAction.RESOURCE_ACTION_UNCHANGED,
            error: '',
          },
        ],
        summary: { created: 1, unchanged: 1 },
        reason: ReportReason.REPORT_REASON_SYNC,
      }),
    );
  });

  it('carries health (the worst), drift with its diff, the change-set summary and why it was sent', () => {
    const changes: ChangeSetEntry[] = [
      { ...entry('a', 'configured'), health: { status: HealthStatus.HEALTH_STATUS_HEALTHY, message: '' } },
      {
        ...entry('b', 'unchanged'),
        health: { status: HealthStatus.HEALTH_STATUS_PROGRESSING, message: 'rolling out' },
        driftDiff: '--- x\n+++ y\n',
      },
      entry('c', 'failed', 'ConfigMap/web/c dry-run failed (Invalid): bad'),
    ];
    const report = buildStatusReport(
      { ...result(changes, 'failed'), reason: 'drift', syncStartedAt: new Date('2025-01-02T03:04:00.000Z') },
      '1',
    );
    expect(report).toMatchObject({
      health: HealthStatus.HEALTH_STATUS_PROGRESSING,
      driftCount: 1,
      summary: { created: 0, configured: 1, unchanged: 1, deleted: 0, skipped: 0, failed: 1 },
      reason: ReportReason.REPORT_REASON_DRIFT,
      syncStartedAt: '2025-01-02T03:04:00.000Z',
      resourcesTruncated: false,
    });
    expect(report.resources[1]).toMatchObject({ drifted: true, driftDiff: '--- x\n+++ y\n', healthMessage: 'rolling out' });
    expect(report.resources[0]).toMatchObject({ drifted: false, driftDiff: '' });
  });

  it('keeps errors only on failed resources and bounds their length', () => {
    const report = buildStatusReport(
      result([entry('a', 'failed', 'x'.repeat(10_000)), entry('b', 'configured')], 'failed', '1 of 2 resources failed'),
      '1',
    );
    expect(report.phase).toBe(SyncPhase.SYNC_PHASE_FAILED);
    expect(report.message).toBe('1 of 2 resources failed');
    expect(report.resources[0].action).toBe(ResourceAction.RESOURCE_ACTION_FAILED);
    expect(report.resources[0].error.length).toBeLessThanOrEqual(512);
    expect(report.resources[1].error).toBe('');
  });

  it('shortens a report over 5,000 resources, keeping every failure and saying so', () => {
    const changes = Array.from({ length: 6000 }, (_, i) => entry(`cm-${i}`, i === 5999 ? 'failed' : 'unchanged', 'boom'));
    const report = buildStatusReport(result(changes, 'failed', '1 of 6000 resources failed'), '1');
    expect(report.resources).toHaveLength(5000);
    expect(report.resources.at(-1)!.ref!.name).toBe('cm-5999');
    expect(report.resources.at(-1)!.action).toBe(ResourceAction.RESOURCE_ACTION_FAILED);
    expect(report.message).toBe('1 of 6000 resources failed; 1000 more resources not listed in this report (failures listed first)');
    expect(report.resourcesTruncated).toBe(true);
    expect(report.summary).toMatchObject({ failed: 1 });
    expect(report.summary!.created + report.summary!.unchanged + report.summary!.configured + report.summary!.failed).toBe(6000);
  });

  it('stays under the message size limit even with long names and errors', () => {
    const long = (i: number): ChangeSetEntry => ({
      ref: { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'n'.repeat(63), name: `${'x'.repeat(240)}-${i}` },
      action: 'failed',
      error: 'e'.repeat(2000),
    });
    const report = buildStatusReport(
      result(
        Array.from({ length: 5000 }, (_, i) => long(i)),
        'failed',
        'all failed',
      ),
      '1',
    );
    expect(StatusReport.encode(report).finish().length).toBeLessThanOrEqual(3.5 * 1024 * 1024);
    expect(report.resources.length).toBeGreaterThan(1000);
  });
});

describe('ReportSequence', () => {
  it('starts at the time in microseconds and adds one per report, as decimal strings', () => {
    const sequence = new ReportSequence(1_700_000_000_123);
    expect([sequence.next(), sequence.next()]).toEqual(['1700000000123000', '1700000000123001']);
  });

  it('grows across restarts without being stored', () => {
    const before = new ReportSequence(1_700_000_000_000);
    for (let i = 0; i < 500; i++) before.next();
    const lastBeforeRestart = BigInt(before.next());
    const afterRestart = new ReportSequence(1_700_000_000_001);
    expect(BigInt(afterRestart.next()) > lastBeforeRestart).toBe(true);
  });
});
