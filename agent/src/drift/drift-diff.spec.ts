import { describe, expect, it } from 'vitest';
import { driftDiff } from './drift-diff';
import { LAST_APPLIED } from '../model/secret-values';
import { normaliseForCompare, sameObject } from '../kube/normalise';
import { unifiedDiff } from './unified-diff';

describe('unifiedDiff', () => {
  it('is empty for equal texts and shows changed lines with context', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { before: 'x', after: 'y' })).toBe('');
    const diff = unifiedDiff('1\n2\n3\n4\n5\n6\n7\n8\n', '1\n2\n3\n4\nFIVE\n6\n7\n8\n', { before: 'live', after: 'desired' });
    expect(diff).toBe('--- live\n+++ desired\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n');
  });

  it('shows an added object as all additions', () => {
    expect(unifiedDiff('', 'a\nb\n', { before: 'l', after: 'd' })).toBe('--- l\n+++ d\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });
});

describe('normaliseForCompare', () => {
  it('drops status and server-owned metadata, and ignores key order', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'a',
        uid: 'u',
        resourceVersion: '9',
        generation: 2,
        creationTimestamp: 't',
        managedFields: [{}],
        labels: { x: '1' },
      },
      data: { b: '2', a: '1' },
      status: { phase: 'x' },
    };
    const desired = { kind: 'ConfigMap', apiVersion: 'v1', data: { a: '1', b: '2' }, metadata: { labels: { x: '1' }, name: 'a' } };
    expect(sameObject(live, desired)).toBe(true);
    expect(normaliseForCompare(live)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', labels: { x: '1' } },
      data: { a: '1', b: '2' },
    });
    expect(sameObject(live, { ...desired, data: { a: '1', b: '3' } })).toBe(false);
  });
});

describe('driftDiff', () => {
  it('masks Secret values on both sides and still shows which key changed', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'web' },
      data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
    };
    const desired = { ...live, data: { password: 'c2VjcmV0', user: 'YWRtaW4=' } };
    const diff = driftDiff(live, desired);
    expect(diff).not.toContain('aHVudGVyMg==');
    expect(diff).not.toContain('c2VjcmV0');
    expect(diff).not.toContain('YWRtaW4=');
    expect(diff).toContain('-  password: "***"');
    expect(diff).toContain('+  password: "*** (changed)"');
    expect(diff).toContain('   user: "***"');
    expect(diff.split('\n')[0]).toBe('--- Secret/web/s (live)');
  });

  it("masks the Secret's copies: kubectl's last-applied annotation and any string holding one of its values", () => {
    const plain = 'planted-hunter2';
    const encoded = Buffer.from(plain).toString('base64');
    const lastApplied = (value: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: value } });
    const live = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        namespace: 'web',
        annotations: { [LAST_APPLIED]: lastApplied(plain), note: `rotated to ${plain}\n`, team: 'shop' },
      },
      data: { password: encoded },
    };
    const desired = {
      ...live,
      metadata: { ...live.metadata, annotations: { ...live.metadata.annotations, [LAST_APPLIED]: lastApplied('other-value') } },
      data: { password: Buffer.from('other-value').toString('base64') },
      stringData: { extra: 'a "quoted"\nvalue' },
    };
    const diff = driftDiff(live, desired);
    for (const form of [plain, encoded, 'other-value', Buffer.from('other-value').toString('base64'), 'quoted', 'rotated']) {
      expect(diff).not.toContain(form);
    }
    expect(diff).toContain(`-    ${LAST_APPLIED}: "***"`);
    expect(diff).toContain(`+    ${LAST_APPLIED}: "*** (changed)"`);
    expect(diff).toContain('    note: "***"');
    expect(diff).toContain('    team: shop');
  });

  it('describes a missing object as all additions', () => {
    const diff = driftDiff(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
    expect(diff.split('\n').slice(0, 2)).toEqual(['--- ConfigMap/c (live: missing)', '+++ ConfigMap/c (desired)']);
    expect(diff).toContain('+data:');
  });
});
