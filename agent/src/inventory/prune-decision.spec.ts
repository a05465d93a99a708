import { describe, expect, it } from 'vitest';
import type { ObjectRef } from '../model/object-ref';
import { decidePrune, type LiveFacts } from './prune-decision';

const cm = (name: string, namespace = 'web'): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
const ns = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name });
const ours: LiveFacts = { labels: { 'gitfleet.io/bundle': 'web' } };
const names = (refs: ObjectRef[]): string[] => refs.map((r) => `${r.kind}/${r.name}`);

describe('decidePrune', () => {
  it('removes what the old inventory has and the desired set lacks, in reverse apply order', () => {
    const decision = decidePrune([ns('web'), cm('a'), cm('b'), cm('c')], [cm('b')], 'web', 'gitfleet.io/bundle', () => ours);
    expect(names(decision.remove)).toEqual(['ConfigMap/c', 'ConfigMap/a', 'Namespace/web']);
    expect(decision.skip).toEqual([]);
  });

  it('never chooses anything outside the old inventory', () => {
    const decision = decidePrune([cm('a')], [], 'web', 'gitfleet.io/bundle', () => ours);
    expect(names(decision.remove)).toEqual(['ConfigMap/a']);
    expect(decidePrune([], [cm('x')], 'web', 'gitfleet.io/bundle', () => ours).remove).toEqual([]);
  });

  it('treats a new apiVersion of the same kind as the same object', () => {
    const old = { apiVersion: 'apps/v1beta1', kind: 'Deployment', namespace: 'web', name: 'd' };
    expect(decidePrune([old], [{ ...old, apiVersion: 'apps/v1' }], 'web', 'gitfleet.io/bundle', () => ours).remove).toEqual([]);
  });

  it('skips an object with the opt-out annotation, saying why', () => {
    const decision = decidePrune([cm('keep')], [], 'web', 'gitfleet.io/bundle', () => ({
      ...ours,
      annotations: { 'gitfleet.io/prune': 'disabled' },
    }));
    expect(decision.remove).toEqual([]);
    expect(decision.skip).toEqual([{ ref: cm('keep'), reason: 'not pruned: annotation gitfleet.io/prune=disabled; no longer managed' }]);
  });

  it('skips an object another bundle has taken over, and lists objects already gone', () => {
    const decision = decidePrune([cm('taken'), cm('gone')], [], 'web', 'gitfleet.io/bundle', (ref) =>
      ref.name === 'gone' ? undefined : { labels: { 'gitfleet.io/bundle': 'other' } },
    );
    expect(decision.remove).toEqual([]);
    expect(decision.skip[0].reason).toBe('not pruned: now belongs to bundle "other"');
    expect(names(decision.gone)).toEqual(['ConfigMap/gone']);
  });
});
