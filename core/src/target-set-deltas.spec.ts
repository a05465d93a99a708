import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './digest';
import { targetSetChecksumOf, TargetSetDeltaError, targetSetJsonOf, wholeTargetSet, type TargetSetMessage } from './target-set-deltas';

interface T {
  bundle: string;
  commit: string;
  values?: Record<string, string>;
}
type S = TargetSetMessage<T>;

const t = (bundle: string, commit = 'c1', values: Record<string, string> = {}): T => ({ bundle, commit, values });

function whole(revision: string, targets: T[]): S {
  return { revision, checksum: targetSetChecksumOf(targets), targets, baseChecksum: '', keptBundles: [] };
}

function delta(base: S, revision: string, all: T[], changed: string[], kept: string[]): S {
  return {
    revision,
    checksum: targetSetChecksumOf(all),
    targets: all.filter((x) => changed.includes(x.bundle)),
    baseChecksum: base.checksum,
    keptBundles: kept,
  };
}

describe('targetSetChecksumOf', () => {
  it('is the SHA-256 of the canonical JSON of the targets sorted by bundle, whatever order they come in', () => {
    const targets = [t('web', 'c2', { z: '1', a: '2' }), t('db')];
    expect(targetSetChecksumOf(targets)).toBe(sha256Hex(`[${canonicalJson(targets[1])},${canonicalJson(targets[0])}]`));
    expect(targetSetChecksumOf([...targets].reverse())).toBe(targetSetChecksumOf(targets));
  });

  it('is taken over [] for no target and [target] for one', () => {
    expect(targetSetJsonOf([])).toBe('[]');
    expect(targetSetJsonOf([t('db')])).toBe(`[${canonicalJson(t('db'))}]`);
    expect(targetSetChecksumOf([])).toBe(sha256Hex('[]'));
  });
});

describe('wholeTargetSet', () => {
  const base = whole('4', [t('db'), t('mon'), t('web')]);

  it('takes a whole TargetSet as it is, held or not', () => {
    const next = whole('5', [t('web', 'c2')]);
    expect(wholeTargetSet(undefined, next)).toBe(next);
    expect(wholeTargetSet(base, next)).toBe(next);
  });

  it('builds the whole TargetSet from a delta: the changed and new targets, the kept ones from what is held, the others gone', () => {
    const all = [t('api', 'c2'), t('db'), t('web', 'c2')];
    const result = wholeTargetSet(base, delta(base, '5', all, ['api', 'web'], ['db']));
    expect(result).toEqual({ revision: '5', checksum: targetSetChecksumOf(all), targets: all, baseChecksum: '', keptBundles: [] });
    // The kept target is the one held, not a copy.
    expect(result.targets[1]).toBe(base.targets[0]);
  });

  it('builds an empty TargetSet from a delta that keeps nothing and changes nothing', () => {
    expect(wholeTargetSet(base, delta(base, '5', [], [], [])).targets).toEqual([]);
  });

  it('refuses a delta when nothing is held, or something else is', () => {
    const next = delta(base, '5', [t('db'), t('web', 'c2')], ['web'], ['db']);
    expect(() => wholeTargetSet(undefined, next)).toThrow(
      new TargetSetDeltaError(`a delta on ${base.checksum.slice(0, 12)} came, and no TargetSet is held`),
    );
    const other = whole('4', [t('db', 'c0')]);
    expect(() => wholeTargetSet(other, next)).toThrow(/and the TargetSet held is [0-9a-f]{12}$/);
  });

  it('refuses a delta that keeps a bundle the base lacks, keeps and changes one, or gives one twice', () => {
    expect(() => wholeTargetSet(base, { ...delta(base, '5', [t('db')], [], []), keptBundles: ['db', 'cache'] })).toThrow(
      'the delta keeps bundle "cache", which the TargetSet held lacks',
    );
    expect(() => wholeTargetSet(base, delta(base, '5', [t('db', 'c2')], ['db'], ['db']))).toThrow(
      'the delta both keeps and changes bundle "db"',
    );
    const twice = delta(base, '5', [t('web', 'c2')], ['web'], []);
    expect(() => wholeTargetSet(base, { ...twice, targets: [t('web', 'c2'), t('web', 'c3')] })).toThrow('the delta names a bundle twice');
  });

  it('refuses a delta whose result is not the TargetSet of its checksum (a kept target that changed meanwhile)', () => {
    // The hub believes `web` unchanged, but the target it computed has another commit.
    const wrong = { ...delta(base, '5', [t('db'), t('mon'), t('web', 'c2')], [], ['db', 'mon', 'web']) };
    expect(() => wholeTargetSet(base, wrong)).toThrow(/^the delta gives a TargetSet of checksum [0-9a-f]{12}, not [0-9a-f]{12}$/);
    // Unchecked (the bench's fake agents), it is taken as the hub says.
    expect(wholeTargetSet(base, wrong, { checksum: false }).checksum).toBe(wrong.checksum);
  });
});
