import { describe, expect, it } from 'vitest';
import { RenderKind, Target } from '#proto';
import { DEFAULT_BUNDLE_POLICY } from '#core';
import { targetKey } from './target-key';

const base: Target = Target.fromPartial({
  bundle: 'web',
  source: { repoUrl: 'https://git.example.com/apps.git', commit: 'a'.repeat(40), path: 'apps/web' },
  defaultNamespace: 'web',
  syncPolicy: { prune: false, selfHeal: false },
  values: { region: 'eu', tier: 'gold' },
  render: { kind: RenderKind.RENDER_KIND_HELM, helmReleaseName: 'web', helmValuesYaml: 'replicas: 2\n' },
});
const packed: Target = { ...base, artifact: { digest: `sha256:${'1'.repeat(64)}`, size: '100', compressedSize: '40' } };

describe('targetKey', () => {
  it('a policy counts by its content', () => {
    const strict = { ...base, policy: { ...DEFAULT_BUNDLE_POLICY, namespaces: ['web'] } };
    expect(targetKey({ ...strict, policy: { ...strict.policy, namespaces: ['web'] } })).toBe(targetKey(strict));
    expect(targetKey({ ...strict, policy: { ...strict.policy, namespaces: ['web', 'db'] } })).not.toBe(targetKey(strict));
  });

  it('ignores the order of values, self-heal and dependsOn', () => {
    const same = { ...base, values: { tier: 'gold', region: 'eu' }, syncPolicy: { prune: false, selfHeal: true }, dependsOn: ['db'] };
    expect(targetKey(same)).toBe(targetKey(base));
  });

  it.each([
    ['bundle', { ...base, bundle: 'api' }],
    ['commit', { ...base, source: { ...base.source!, commit: 'b'.repeat(40) } }],
    ['path', { ...base, source: { ...base.source!, path: 'apps/web2' } }],
    ['repository', { ...base, source: { ...base.source!, repoUrl: 'https://git.example.com/other.git' } }],
    ['default namespace', { ...base, defaultNamespace: 'web2' }],
    ['values', { ...base, values: { region: 'us', tier: 'gold' } }],
    ['Helm values', { ...base, render: { ...base.render!, helmValuesYaml: 'replicas: 3\n' } }],
    ['release name', { ...base, render: { ...base.render!, helmReleaseName: 'web-2' } }],
    ['render kind', { ...base, render: { ...base.render!, kind: RenderKind.RENDER_KIND_RAW } }],
    ['policy (from none)', { ...base, policy: { ...DEFAULT_BUNDLE_POLICY, namespaces: ['web'] } }],
    [
      'Kustomize patches',
      {
        ...base,
        render: {
          ...base.render!,
          kustomizePatches: [{ patch: 'x', targetKind: 'Deployment', targetName: '', targetNamespace: '', targetLabelSelector: '' }],
        },
      },
    ],
    ['suspension', { ...base, suspend: true }],
    ['prune', { ...base, syncPolicy: { prune: true, selfHeal: false } }],
  ])('changes with the %s', (_what, changed) => {
    expect(targetKey(changed)).not.toBe(targetKey(base));
  });

  it('keys a packed source on its content: a new commit with the same artifact keeps the key, a new digest changes it', () => {
    const nextCommit = { ...packed, source: { ...packed.source!, commit: 'b'.repeat(40) } };
    expect(targetKey(nextCommit)).toBe(targetKey(packed));
    expect(targetKey({ ...packed, artifact: { ...packed.artifact!, digest: `sha256:${'2'.repeat(64)}` } })).not.toBe(targetKey(packed));
    expect(targetKey(packed)).not.toBe(targetKey(base));
  });
});
