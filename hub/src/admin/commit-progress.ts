import type {
  ClusterBundleView,
  CommitBundle,
  CommitCluster,
  CommitClusterState,
  CommitProgress,
  CommitState,
  FleetError,
  RolloutState,
  WaitFor,
} from '../api-contract';

/**
 * Whether a commit has reached the clusters, as plain arithmetic over what the hub knows. A
 * bundle's commit on a cluster is the commit of its source the agent last reported, so the
 * bundles waited for are those whose source is at the commit (or those named); the clusters
 * waited for are those each bundle targets now (whatever a rollout or a pin holds back). An
 * unreachable cluster never counts as reached; a cluster the bundle does not target is not
 * waited for.
 */

export interface CommitBundleFacts {
  name: string;
  /** The bundle's source commit in the fleet being served. */
  sourceCommit: string;
  pin: string | null;
  rollout: RolloutState | null;
  /** Every cluster the bundle targets, with its row for the bundle when its TargetSet holds it. */
  clusters: { name: string; reachable: boolean; row: ClusterBundleView | undefined; message: string }[];
}

export interface CommitFacts {
  commit: string;
  for: WaitFor;
  /** The hub is taking in a new fleet commit (stored, not yet served by this replica): nothing is certain. */
  settling: boolean;
  /** Bundles named by the caller; undefined: every bundle whose source is at the commit. */
  named: string[] | undefined;
  bundles: CommitBundleFacts[];
  /** A fleet repository whose newest commit, refused, is this one. */
  rejectedIn: { repo: string; errors: FleetError[] } | null;
  /** A fleet repository that accepted this commit; current: it still serves it. */
  acceptedIn: { repo: string; current: boolean } | null;
  /** The commits the fleet repositories serve, to say what the hub has instead. */
  serving: { repo: string; commit: string | null }[];
}

const short = (sha: string | null) => (sha === null ? 'nothing' : sha.slice(0, 7));

export function commitProgress(facts: CommitFacts): CommitProgress {
  const { commit } = facts;
  const atCommit = facts.bundles.filter((b) => b.sourceCommit === commit);
  const inScope = facts.named === undefined ? atCommit : facts.bundles.filter((b) => facts.named!.includes(b.name));
  const answer = (state: CommitState, message: string, bundles: CommitBundle[] = []): CommitProgress => ({
    commit,
    for: facts.for,
    state,
    done: state !== 'unseen' && state !== 'progressing',
    message,
    rejected: state === 'rejected' ? facts.rejectedIn : null,
    bundles,
    counts: count(bundles),
  });

  if (facts.settling) return answer('unseen', 'the hub is taking in a new fleet commit; asking again shortly tells');
  if (atCommit.length === 0) {
    if (facts.rejectedIn !== null)
      return answer(
        'rejected',
        `${short(commit)} is the newest commit of fleet repository ${facts.rejectedIn.repo}, and the hub rejected it`,
      );
    if (facts.acceptedIn?.current === false)
      return answer('superseded', `${short(commit)} was accepted in fleet repository ${facts.acceptedIn.repo}, which has moved on since`);
    if (facts.acceptedIn?.current === true)
      return answer(
        'untraceable',
        `${short(commit)} is the commit fleet repository ${facts.acceptedIn.repo} serves, but no bundle${facts.named === undefined ? '' : ` named ${facts.named.join(', ')}`} ` +
          "takes its source from it: clusters report their bundles' source commits",
      );
    const serving = facts.serving.map((s) => `${s.repo} at ${short(s.commit)}`).join(', ');
    return answer('unseen', `the hub has not seen ${short(commit)} yet (it serves ${serving || 'nothing'})`);
  }
  const unknown = (facts.named ?? []).filter((n) => !facts.bundles.some((b) => b.name === n));
  if (unknown.length > 0) return answer('untraceable', `no bundle named ${unknown.join(', ')}`);
  const elsewhere = inScope.filter((b) => b.sourceCommit !== commit);
  if (elsewhere.length > 0)
    return answer(
      'untraceable',
      `${elsewhere.map((b) => `bundle ${b.name} takes its source from ${short(b.sourceCommit)}`).join('; ')}, not from ${short(commit)}`,
    );

  const bundles = inScope.map((b) => bundleProgress(b, commit, facts.for));
  const counts = count(bundles);
  const failed = bundles.flatMap((b) => b.clusters.filter((c) => c.state === 'failed').map((c) => `${b.bundle} on ${c.cluster}`));
  if (failed.length > 0) return answer('failed', `${short(commit)} failed: ${failed.join(', ')}`, bundles);
  if (counts.reached === counts.clusters)
    return answer(
      'reached',
      counts.clusters === 0
        ? `no cluster is targeted by the bundles at ${short(commit)}`
        : `${short(commit)} is ${facts.for} on all ${counts.clusters} targeted cluster${counts.clusters === 1 ? '' : 's'}`,
      bundles,
    );
  return answer('progressing', `${counts.reached} of ${counts.clusters} targeted clusters ${facts.for} at ${short(commit)}`, bundles);
}

function bundleProgress(b: CommitBundleFacts, commit: string, want: WaitFor): CommitBundle {
  return {
    bundle: b.name,
    pin: b.pin,
    rollout: b.rollout,
    clusters: b.clusters.map((c): CommitCluster => {
      const { state, message } = clusterState(c, commit, want, b.pin);
      return {
        cluster: c.name,
        state,
        condition: c.row?.condition ?? { tone: c.reachable ? 'waiting' : 'unknown', text: c.reachable ? 'pending' : 'unknown' },
        commit: c.row?.commit ?? null,
        message,
      };
    }),
  };
}

function clusterState(
  c: CommitBundleFacts['clusters'][number],
  commit: string,
  want: WaitFor,
  pin: string | null,
): { state: CommitClusterState; message: string } {
  const { row } = c;
  if (!c.reachable) return { state: 'unreachable', message: 'the cluster is unreachable' };
  if (row === undefined) return { state: 'waiting', message: 'its TargetSet does not hold the bundle yet (a rollout has not reached it)' };
  if (row.commit !== commit || row.desiredCommit !== commit) {
    return {
      state: 'waiting',
      message: `${row.commit === null ? 'no report yet' : `at ${short(row.commit)}`}${heldBack(row, commit, pin)}`,
    };
  }
  if (row.phase === 'failed') return { state: 'failed', message: `failed at ${short(commit)}${c.message === '' ? '' : `: ${c.message}`}` };
  if (row.phase !== 'synced') return { state: 'waiting', message: row.condition.text };
  if (want === 'synced') return { state: 'reached', message: '' };
  if (row.health === 'healthy') return { state: 'reached', message: '' };
  if (row.health === 'degraded' || row.health === 'missing')
    return { state: 'failed', message: `synced at ${short(commit)} but ${row.health}` };
  return { state: 'waiting', message: row.condition.text };
}

/** Why a cluster's TargetSet does not ask for the commit yet, when it does not. */
function heldBack(row: ClusterBundleView, commit: string, pin: string | null): string {
  if (row.desiredCommit === commit) return '';
  if (pin !== null) return `; the bundle is pinned to ${short(pin)}`;
  if (row.rollout === 'waiting') return '; the rollout has not reached it yet';
  if (row.rollout === 'paused') return '; the rollout is paused before it';
  return `; its TargetSet asks for ${short(row.desiredCommit)} (the hub is placing ${short(commit)})`;
}

function count(bundles: CommitBundle[]): CommitProgress['counts'] {
  const counts = { clusters: 0, reached: 0, waiting: 0, failed: 0, unreachable: 0 };
  for (const b of bundles)
    for (const c of b.clusters) {
      counts.clusters++;
      counts[c.state]++;
    }
  return counts;
}

/** A full SHA as given; a short one completed when exactly one known commit starts with it. */
export function completeCommit(given: string, known: Iterable<string>): string | { ambiguous: string[] } {
  if (given.length === 40) return given;
  const matches = [...new Set([...known].filter((c) => c.startsWith(given)))];
  if (matches.length === 1) return matches[0];
  return matches.length === 0 ? given : { ambiguous: matches };
}
