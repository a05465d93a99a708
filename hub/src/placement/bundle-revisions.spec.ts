import { describe, expect, it } from 'vitest';
import { bundleRevisionsAfter } from './placement.service';
import type { TargetSpec } from './target-set';

const target = (bundle: string, commit: string, values: Record<string, unknown> = {}) =>
  ({ bundle, source: { repoUrl: 'https://git.example/app.git', commit, path: bundle }, values }) as unknown as TargetSpec;

describe('bundleRevisionsAfter', () => {
  it('gives a new or changed target the next revision and keeps the revision of an unchanged one', () => {
    expect(bundleRevisionsAfter(undefined, [target('web', 'a'), target('db', 'a')])).toEqual({ web: '1', db: '1' });
    const before = { revision: '4', targets: [target('web', 'a'), target('db', 'a')], bundle_revisions: { web: '2', db: '4' } };
    expect(bundleRevisionsAfter(before, [target('web', 'a'), target('db', 'a', { replicas: 3 }), target('cache', 'c')])).toEqual({
      web: '2', // as before
      db: '5', // same commit, new values: changed
      cache: '5', // new
    });
  });

  it('falls back to the held revision for a target recorded before bundle revisions existed', () => {
    const before = { revision: '9', targets: [target('web', 'a')], bundle_revisions: {} };
    expect(bundleRevisionsAfter(before, [target('web', 'a'), target('db', 'b')])).toEqual({ web: '9', db: '10' });
  });
});
