import { describe, expect, it } from 'vitest';
import { Target } from '#proto';
import type { CurrentTargetSet } from '../placement/target-set-store';
import { targetSetFor } from './target-set-delta';

const target = (bundle: string) => Target.fromPartial({ bundle });

function current(bundleRevisions: Record<string, string>): CurrentTargetSet {
  return {
    clusterId: 'c',
    revision: '12',
    checksum: 'new',
    targets: ['api', 'db', 'mon', 'web'].map(target),
    bundleRevisions,
  };
}

describe('targetSetFor', () => {
  it('keeps the bundles whose target last changed at or before the revision held, and sends the others', () => {
    // Revisions compare as numbers: 9 is before 10, though "9" > "10" as text.
    const sent = targetSetFor(current({ api: '12', db: '9', mon: '10', web: '11' }), { revision: 10n, checksum: 'held' });
    expect(sent).toEqual({
      revision: '12',
      checksum: 'new',
      targets: [target('api'), target('web')],
      baseChecksum: 'held',
      keptBundles: ['db', 'mon'],
    });
  });

  it('sends the whole TargetSet when nothing is known to be held, nothing would be kept, or a bundle revision is not one', () => {
    const set = current({ api: '3', db: '3', mon: '3', web: '3' });
    expect(targetSetFor(set, undefined)).toBe(set);
    expect(targetSetFor(set, { revision: 2n, checksum: 'held' })).toBe(set);
    // Held, but with no checksum: a delta could not name its base.
    expect(targetSetFor(set, { revision: 5n, checksum: '' })).toBe(set);
    // A bundle without a revision (a row stored before them) or with a malformed one counts as changed.
    const odd = targetSetFor(current({ api: '03', db: '', mon: '-1', web: '4' }), { revision: 5n, checksum: 'held' });
    expect(odd).toMatchObject({ keptBundles: ['web'], targets: ['api', 'db', 'mon'].map(target) });
  });
});
