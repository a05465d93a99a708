import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../json-value';
import { applyStrategicMergePatch } from './strategic-merge-patch';

const context = { kind: 'Deployment', custom: false };
const live: JsonValue = {
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }] },
          { name: 'sidecar', image: 'envoy' },
        ],
      },
    },
  },
};

describe('strategic merge patch', () => {
  it('merges containers by name instead of replacing the list', () => {
    const patched = applyStrategicMergePatch(context, live, {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
    });
    expect(patched).toMatchObject({
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'nginx:1.26', env: [{ name: 'A', value: '1' }] },
              { name: 'sidecar', image: 'envoy' },
            ],
          },
        },
      },
    });
  });

  it('removes an item with $patch: delete and a field with null', () => {
    const patched = applyStrategicMergePatch(context, live, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', $patch: 'delete' },
              { name: 'web', env: null },
            ],
          },
        },
      },
    });
    expect(patched).toEqual({ spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } } });
  });

  it('replaces a whole map with $patch: replace and ignores $setElementOrder', () => {
    const patched = applyStrategicMergePatch(
      context,
      { metadata: { labels: { a: '1', b: '2' } } },
      { metadata: { labels: { $patch: 'replace', c: '3' } }, '$setElementOrder/x': [] },
    );
    expect(patched).toEqual({ metadata: { labels: { c: '3' } } });
  });
});
