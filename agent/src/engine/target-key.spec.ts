import { describe, expect, it } from 'vitest';
import { Target } from '#proto';
import { targetKey } from './target-key';

const base: Target = Target.fromPartial({
  bundle: 'web',
  source: { repoUrl: 'https://git.example.com/apps.git', commit: 'a'.repeat(40), path: 'apps/web' },
  defaultNamespace: 'web',
  syncPolicy: { prune: false, selfHeal: false },
  values: { region: 'eu', tier: 'gold' },
});

describe('targetKey', () => {
  it('ignores the order of values and the sync policy', () => {
    const reordered = { ...base, values: { tier: 'gold', region: 'eu' }, syncPolicy: { prune: true, selfHeal: true } };
    expect(targetKey(reordered)).toBe(targetKey(base));
  });

  it.each([
    ['bundle', { ...base, bundle: 'api' }],
    ['commit', { ...base, source: { ...base.source!, commit: 'b'.repeat(40) } }],
    ['path', { ...base, source: { ...base.source!, path: 'apps/web2' } }],
    ['repository', { ...base, source: { ...base.source!, repoUrl: 'https://git.example.com/other.git' } }],
    ['default namespace', { ...base, defaultNamespace: 'web2' }],
    ['values', { ...base, values: { region: 'us', tier: 'gold' } }],
  ])('changes with the %s', (_what, changed) => {
    expect(targetKey(changed)).not.toBe(targetKey(base));
  });
});
