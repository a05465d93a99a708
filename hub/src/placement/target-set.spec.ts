import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BundleSpec, LabelSelector } from '../fleet-repo/fleet-format';
import { canonicalJson, targetSetChecksum, targetsFor, type TargetSpec } from './target-set';

const selector = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });

const bundle = (name: string, targets: LabelSelector[], path = `apps/${name}`): BundleSpec => ({
  name,
  sourcePath: path,
  namespace: name,
  targets: targets.map((clusterSelector) => ({ clusterSelector })),
  syncPolicy: { prune: false, selfHeal: true },
});

const FLEET = { repoUrl: 'https://git.example/fleet.git', commit: 'a'.repeat(40) };

describe('targetsFor', () => {
  const bundles = [
    bundle('web', [selector({ matchLabels: { env: 'prod' } }), selector({ matchLabels: { env: 'staging' } })]),
    bundle('monitoring', [selector({})]),
    bundle('nowhere', []),
  ];

  it('gives a cluster every bundle one of whose targets selects it, sorted by bundle, with its labels as values', () => {
    expect(targetsFor({ labels: { env: 'staging', region: 'eu' } }, bundles, FLEET)).toEqual([
      {
        bundle: 'monitoring',
        source: { repoUrl: FLEET.repoUrl, commit: FLEET.commit, path: 'apps/monitoring' },
        defaultNamespace: 'monitoring',
        syncPolicy: { prune: false, selfHeal: true },
        values: { 'cluster.labels.env': 'staging', 'cluster.labels.region': 'eu' },
        render: undefined,
        dependsOn: [],
        suspend: false,
      },
      {
        bundle: 'web',
        source: { repoUrl: FLEET.repoUrl, commit: FLEET.commit, path: 'apps/web' },
        defaultNamespace: 'web',
        syncPolicy: { prune: false, selfHeal: true },
        values: { 'cluster.labels.env': 'staging', 'cluster.labels.region': 'eu' },
        render: undefined,
        dependsOn: [],
        suspend: false,
      },
    ]);
  });

  it('gives a cluster nothing when no target selects it', () => {
    expect(targetsFor({ labels: { env: 'dev' } }, [bundles[0], bundles[2]], FLEET)).toEqual([]);
  });
});

describe('targetSetChecksum', () => {
  const targets = targetsFor({ labels: { env: 'prod' } }, [bundle('b', [selector({})]), bundle('a', [selector({})])], FLEET);

  it('is the SHA-256 of the canonical JSON: sorted by bundle, keys sorted, no whitespace', () => {
    const expectedJson =
      '[{"bundle":"a","defaultNamespace":"a","dependsOn":[],"source":{"commit":"' + FLEET.commit + '","path":"apps/a","repoUrl":"https://git.example/fleet.git"},' +
      '"suspend":false,"syncPolicy":{"prune":false,"selfHeal":true},"values":{"cluster.labels.env":"prod"}},' +
      '{"bundle":"b","defaultNamespace":"b","dependsOn":[],"source":{"commit":"' + FLEET.commit + '","path":"apps/b","repoUrl":"https://git.example/fleet.git"},' +
      '"suspend":false,"syncPolicy":{"prune":false,"selfHeal":true},"values":{"cluster.labels.env":"prod"}}]';
    expect(canonicalJson([...targets].sort((x, y) => x.bundle.localeCompare(y.bundle)))).toBe(expectedJson);
    expect(targetSetChecksum(targets)).toBe(createHash('sha256').update(expectedJson).digest('hex'));
  });

  it('does not depend on the order of targets or of keys', () => {
    // The same targets with the keys of every object in reverse order.
    const reverseKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reverseKeys)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]))
          : value;
    const shuffled = [...targets].reverse().map((t) => reverseKeys(t) as TargetSpec);
    expect(Object.keys(shuffled[0]!)[0]).not.toBe(Object.keys(targets[0]!)[0]);
    expect(targetSetChecksum(shuffled)).toBe(targetSetChecksum(targets));
  });

  it('changes when anything in a target changes', () => {
    const base = targetSetChecksum(targets);
    const other = targets.map((t, i) => (i === 0 ? { ...t, source: { ...t.source!, commit: 'b'.repeat(40) } } : t));
    expect(targetSetChecksum(other)).not.toBe(base);
    expect(targetSetChecksum([])).toBe(createHash('sha256').update('[]').digest('hex'));
  });
});
