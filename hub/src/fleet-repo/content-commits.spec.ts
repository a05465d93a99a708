import { describe, expect, it } from 'vitest';
import { targetsFor } from '../placement/target-set';
import { keepContentCommits, sourceCommitOfTargets } from './content-commits';
import type { BundleDocument, BundleSourceSpec, BundleSpec } from './fleet-format';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const FLEET_URL = 'https://git.example/fleet.git';

const artifact = (digest: string) => ({ digest: `sha256:${digest.repeat(64)}`, size: 10, compressedSize: 5 });
const spec = (name: string, source: Partial<BundleSourceSpec> = {}): BundleSpec => ({
  name,
  sourcePath: `apps/${name}`,
  source: { repoUrl: FLEET_URL, commit: NEW, path: `apps/${name}`, ref: 'main', artifact: artifact('1'), ...source },
  render: { kind: 'raw', helmValues: {}, kustomizePatches: [] },
  namespace: name,
  targets: [{ clusterSelector: { matchLabels: {}, matchExpressions: [] }, overrides: {} }],
  syncPolicy: { prune: true, selfHeal: false, drift: 'report' },
  dependsOn: [],
  suspend: false,
  fleetRepo: 'default',
});
const document = (bundle: BundleSpec): BundleDocument => ({
  file: `fleet/${bundle.name}.yaml`,
  line: 1,
  nameLine: 4,
  sourcePathLine: 6,
  fieldLines: {},
  bundle,
});
const kept = (previous: BundleSpec[], next: BundleSpec[]) =>
  Object.fromEntries(keepContentCommits(previous, next.map(document)).map((d) => [d.bundle.name, d.bundle.source.contentCommit]));

describe('keepContentCommits: the commit a bundle that a commit left exactly as it was keeps', () => {
  it('keeps the commit of a bundle whose spec and files are as they were, and moves every other', () => {
    const previous = ['same', 'edited', 'moved', 'elsewhere', 'revalued', 'suspended'].map((name) =>
      spec(name, { commit: OLD, contentCommit: OLD }),
    );
    const revalued = spec('revalued');
    revalued.targets = [{ ...revalued.targets[0], overrides: { values: { tier: 'gold' } } }];
    const next = [
      spec('same', { ref: 'main' }),
      spec('edited', { artifact: artifact('2') }),
      spec('moved', { path: 'apps/other' }),
      spec('elsewhere', { repoUrl: 'https://git.example/other.git' }),
      revalued,
      { ...spec('suspended'), suspend: true },
      spec('added'),
    ];
    expect(kept(previous, next)).toEqual({
      same: OLD,
      edited: NEW,
      moved: NEW,
      elsewhere: NEW,
      revalued: NEW,
      suspended: NEW,
      added: NEW,
    });
  });

  it('carries a kept commit on through later commits, and reads a bundle stored before kept commits as at its source commit', () => {
    const older = 'c'.repeat(40);
    expect(kept([spec('web', { commit: OLD, contentCommit: older })], [spec('web')])).toEqual({ web: older });
    expect(kept([spec('web', { commit: OLD })], [spec('web')])).toEqual({ web: OLD });
    expect(sourceCommitOfTargets({ commit: OLD })).toBe(OLD);
  });

  it('never keeps a commit for a bundle without packed files: nothing says they are the same', () => {
    expect(kept([spec('web', { commit: OLD, artifact: undefined })], [spec('web', { artifact: undefined })])).toEqual({ web: NEW });
    expect(kept([spec('web', { commit: OLD, artifact: undefined })], [spec('web')])).toEqual({ web: NEW });
  });

  it('gives targets the kept commit, so a commit that leaves the bundle alone leaves every target byte for byte as it was', () => {
    const previous = keepContentCommits([], [document(spec('web', { commit: OLD }))]).map((d) => d.bundle);
    const next = keepContentCommits(previous, [document(spec('web'))]).map((d) => d.bundle);
    const cluster = { name: 'eu-1', labels: {} };
    expect(targetsFor(cluster, { bundles: next, groups: [] })).toEqual(targetsFor(cluster, { bundles: previous, groups: [] }));
    expect(targetsFor(cluster, { bundles: next, groups: [] })[0].source?.commit).toBe(OLD);
  });
});
