import { canonicalJson } from '#core';
import type { BundleDocument, BundleSourceSpec, BundleSpec } from './fleet-format';

/**
 * Which commit a bundle's targets name. A fleet commit resolves every bundle of its repository
 * to that commit, though most commits change one bundle or a few. A bundle that is exactly as
 * it was at the previous good commit — its spec, and its packed files (its artifact's digest) —
 * keeps the commit it had there: its targets, and so its clusters' TargetSets, stay byte for
 * byte as they were, and no agent reports, and no hub stores, anything for it. So a commit names
 * one spec and one set of files of the bundle: a cluster that reports it has applied those. The
 * commit gate maps a fleet commit to each bundle's (commit-progress.ts).
 */
export function keepContentCommits(previous: readonly BundleSpec[], next: readonly BundleDocument[]): BundleDocument[] {
  const before = new Map(previous.map((b) => [b.name, b]));
  return next.map((document) => {
    const source = document.bundle.source;
    const was = before.get(document.bundle.name);
    const contentCommit = was !== undefined && sameBundle(was, document.bundle) ? sourceCommitOfTargets(was.source) : source.commit;
    return { ...document, bundle: { ...document.bundle, source: { ...source, contentCommit } } };
  });
}

/** Whether commit `kept` of the repository at `repoUrl` is in the history of its commit `commit`. */
export type InHistory = (repoUrl: string, kept: string, commit: string) => Promise<boolean>;

/**
 * Lets go of kept commits no longer in the history of the bundle's source commit (a force-push
 * rewrote the branch): an agent that clones its source (one without artifacts/v1) could not
 * fetch them. Such a bundle names its source commit again. One question per distinct pair.
 */
export async function keepOnlyInHistory(documents: BundleDocument[], inHistory: InHistory): Promise<BundleDocument[]> {
  const answers = new Map<string, Promise<boolean>>();
  const reachable = ({ repoUrl, contentCommit, commit }: BundleSourceSpec) => {
    const key = `${repoUrl}\n${contentCommit}\n${commit}`;
    let answer = answers.get(key);
    if (answer === undefined) answers.set(key, (answer = inHistory(repoUrl, contentCommit!, commit)));
    return answer;
  };
  const kept: BundleDocument[] = [];
  for (const document of documents) {
    const { source } = document.bundle;
    const keeps = source.contentCommit !== undefined && source.contentCommit !== source.commit;
    kept.push(
      keeps && !(await reachable(source))
        ? { ...document, bundle: { ...document.bundle, source: { ...source, contentCommit: source.commit } } }
        : document,
    );
  }
  return kept;
}

/** The commit a bundle's targets name (bundles stored before contentCommit name their source commit). */
export function sourceCommitOfTargets(source: Pick<BundleSourceSpec, 'commit' | 'contentCommit'>): string {
  return source.contentCommit ?? source.commit;
}

/**
 * The same spec and the same packed files, whatever the commits: a bundle without an artifact is
 * never the same (nothing says its files are).
 */
function sameBundle(a: BundleSpec, b: BundleSpec): boolean {
  if (a.source.artifact === undefined || b.source.artifact === undefined) return false;
  return canonicalJson(withoutCommits(a)) === canonicalJson(withoutCommits(b));
}

function withoutCommits(bundle: BundleSpec): object {
  const { commit: _commit, contentCommit: _kept, ...source } = bundle.source;
  return { ...bundle, source };
}
