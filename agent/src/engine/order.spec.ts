import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../model/kube-object';
import { orderForApply } from './order';
import { BUNDLE_LABEL, MANAGED_BY_LABEL, prepareObject } from './prepare';

function obj(kind: string, name: string, apiVersion = 'v1', namespace?: string): { object: KubeObject } {
  return { object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } } };
}

const names = (stages: { object: KubeObject }[][]): string[][] =>
  stages.map((s) => s.map((i) => `${i.object.kind}/${i.object.metadata.name}`));

describe('orderForApply', () => {
  it('puts the definitions stage (CRDs, then Namespaces) first, then the rest by kind and name', () => {
    const stages = orderForApply([
      obj('Deployment', 'web', 'apps/v1'),
      obj('Widget', 'w', 'example.com/v1'),
      obj('ConfigMap', 'b'),
      obj('Namespace', 'web'),
      obj('CustomResourceDefinition', 'widgets.example.com', 'apiextensions.k8s.io/v1'),
      obj('ConfigMap', 'a'),
      obj('Service', 'web'),
      obj('Gadget', 'g', 'example.com/v1'),
    ]);
    expect(names(stages)).toEqual([
      ['CustomResourceDefinition/widgets.example.com', 'Namespace/web'],
      ['ConfigMap/a', 'ConfigMap/b', 'Service/web', 'Deployment/web', 'Gadget/g', 'Widget/w'],
    ]);
  });

  it('puts built-in cluster-scoped kinds with the definitions, and the rest in sync waves, lowest first', () => {
    const wave = (n: string, item: { object: KubeObject }) => ({
      object: { ...item.object, metadata: { ...item.object.metadata, annotations: { 'gitfleet.io/sync-wave': n } } },
    });
    const stages = orderForApply([
      wave('2', obj('ConfigMap', 'late')),
      wave('-1', obj('Secret', 'early')),
      obj('ConfigMap', 'middle'),
      { ...obj('ClusterRole', 'reader', 'rbac.authorization.k8s.io/v1'), namespaced: false },
      { ...obj('ClusterIssuer', 'ca', 'cert.example.com/v1'), namespaced: false },
    ]);
    expect(names(stages)).toEqual([['ClusterRole/reader'], ['Secret/early'], ['ConfigMap/middle', 'ClusterIssuer/ca'], ['ConfigMap/late']]);
  });

  it('leaves out empty stages', () => {
    expect(names(orderForApply([obj('ConfigMap', 'a')]))).toEqual([['ConfigMap/a']]);
  });
});

describe('prepareObject', () => {
  it('sets the default namespace on a namespaced object that sets none, and the gitfleet labels', () => {
    const prepared = prepareObject(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { app: 'web', [MANAGED_BY_LABEL]: 'helm' } } },
      { bundle: 'web', defaultNamespace: 'web', namespaced: true },
    );
    expect(prepared.metadata).toEqual({
      name: 'a',
      namespace: 'web',
      labels: { app: 'web', [MANAGED_BY_LABEL]: 'gitfleet', [BUNDLE_LABEL]: 'web' },
    });
  });

  it('keeps a namespace the manifest sets and does not touch the original', () => {
    const original: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'other' } };
    const prepared = prepareObject(original, { bundle: 'web', defaultNamespace: 'web', namespaced: true });
    expect(prepared.metadata.namespace).toBe('other');
    expect(original.metadata.labels).toBeUndefined();
  });

  it('gives cluster-scoped objects no namespace', () => {
    const prepared = prepareObject(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'web' } },
      { bundle: 'web', defaultNamespace: 'web', namespaced: false },
    );
    expect(prepared.metadata.namespace).toBeUndefined();
  });
});
