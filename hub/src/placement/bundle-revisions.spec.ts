import { describe, expect, it } from 'vitest';
import { bundleRevisionsAfter } from './placement-pass';
import { targetDigest, type TargetSpec } from './target-set';

const target = (bundle: string, commit: string, values: Record<string, unknown> = {}) =>
  ({ bundle, source: { repoUrl: 'https://git.example/app.git', commit, path: bundle }, values }) as unknown as TargetSpec;
const digests = (...targets: TargetSpec[]) => Object.fromEntries(targets.map((t) => [t.bundle, targetDigest(t)]));

describe('bundleRevisionsAfter', () => {
  it('gives a new or changed target the next revision and keeps the revision of an unchanged one', () => {
    expect(bundleRevisionsAfter(undefined, digests(target('web', 'a'), target('db', 'a')))).toEqual({ web: '1', db: '1' });
    const before = { revision: '4', digests: digests(target('web', 'a'), target('db', 'a')), bundle_revisions: { web: '2', db: '4' } };
    expect(bundleRevisionsAfter(before, digests(target('web', 'a'), target('db', 'a', { replicas: 3 }), target('cache', 'c')))).toEqual({
      web: '2', // as before
      db: '5', // same commit, new values: changed
      cache: '5', // new
    });
  });

  it('falls back to the held revision for a target recorded before bundle revisions existed', () => {
    const before = { revision: '9', digests: digests(target('web', 'a')), bundle_revisions: {} };
    expect(bundleRevisionsAfter(before, digests(target('web', 'a'), target('db', 'b')))).toEqual({ web: '9', db: '10' });
  });

  it('takes equal targets built in another key order as unchanged', () => {
    const reordered = {
      values: {},
      source: { path: 'web', commit: 'a', repoUrl: 'https://git.example/app.git' },
      bundle: 'web',
    } as unknown as TargetSpec;
    expect(
      bundleRevisionsAfter({ revision: '3', digests: digests(target('web', 'a')), bundle_revisions: { web: '2' } }, digests(reordered)),
    ).toEqual({
      web: '2',
    });
  });
});
