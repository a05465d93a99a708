import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../json-value';
import { ApplyRequest, conflictMessage, serverSideApply } from './apply';
import { FieldSet } from './field-set';
import type { Manager } from './managed-fields';

const context = { kind: 'ConfigMap', custom: false };
const manager = (name: string, paths: string[][], operation: 'Apply' | 'Update' = 'Apply'): Manager => ({
  manager: name,
  operation,
  apiVersion: 'v1',
  time: 't0',
  fields: FieldSet.ofPaths(paths),
});
const cm = (data: Record<string, string>): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
const request = (live: JsonObject | undefined, liveManagers: Manager[], applied: JsonObject, force = false): ApplyRequest => ({
  context,
  live,
  liveManagers,
  applied,
  applier: 'git',
  apiVersion: 'v1',
  force,
  now: 't1',
});
const identity = (o: JsonObject) => o;

describe('serverSideApply', () => {
  it('creates: the applier owns exactly what it sent', () => {
    const outcome = serverSideApply(request(undefined, [], cm({ a: '1' })), identity);
    expect(outcome.ok && outcome.managers.map((m) => [m.manager, m.fields.paths()])).toEqual([['git', [['f:data', 'f:a']]]]);
  });

  it('removes a field the applier owned alone and left out', () => {
    const live = cm({ a: '1', b: '2' });
    const outcome = serverSideApply(
      request(
        live,
        [
          manager('git', [
            ['f:data', 'f:a'],
            ['f:data', 'f:b'],
          ]),
        ],
        cm({ a: '1' }),
      ),
      identity,
    );
    expect(outcome.ok && outcome.merged['data']).toEqual({ a: '1' });
  });

  it("keeps a left-out field another manager also owns, and other managers' fields", () => {
    const live = cm({ a: '1', b: '2', c: '3' });
    const managers = [
      manager('git', [
        ['f:data', 'f:a'],
        ['f:data', 'f:b'],
      ]),
      manager(
        'hand',
        [
          ['f:data', 'f:b'],
          ['f:data', 'f:c'],
        ],
        'Update',
      ),
    ];
    const outcome = serverSideApply(request(live, managers, cm({ a: '1' })), identity);
    expect(outcome.ok && outcome.merged['data']).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('reports a conflict on a field another manager set to a different value, unless forced', () => {
    const live = cm({ a: 'hand' });
    const managers = [manager('kubectl-edit', [['f:data', 'f:a']], 'Update')];
    const refused = serverSideApply(request(live, managers, cm({ a: 'git' })), identity);
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(conflictMessage(refused.conflicts)).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a');
    const forced = serverSideApply(request(live, managers, cm({ a: 'git' }), true), identity);
    expect(forced.ok && forced.merged['data']).toEqual({ a: 'git' });
    expect(forced.ok && forced.managers.map((m) => m.manager)).toEqual(['git']);
  });

  it('sees no conflict when the other manager holds the same value: both own it', () => {
    const managers = [manager('hand', [['f:data', 'f:a']], 'Update')];
    const outcome = serverSideApply(request(cm({ a: '1' }), managers, cm({ a: '1' })), identity);
    expect(outcome.ok && outcome.managers.map((m) => m.manager)).toEqual(['hand', 'git']);
  });
});
