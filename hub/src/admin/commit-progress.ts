import type { PlacementRow } from './views';
import type {
  CommitBundle,
  CommitCluster,
  CommitClusterState,
  CommitCounts,
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
  /**
   * The commit its targets name there (content-commits.ts): the source commit, or an earlier one
   * when the commit left the bundle exactly as it was. What a cluster reaching the commit reports.
   */
  targetCommit: string;
  pin: string | null;
  rollout: RolloutState | null;
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

/** A cluster a bundle targets, as read: its row for the bundle when its TargetSet holds it. */
export interface TargetedCluster {
  clusterId: string;
  name: string;
  reachable: boolean;
  row: PlacementRow | undefined;
}

/** How many failed clusters the message of a failed commit names; the counts have the rest. */
const FAILED_NAMED = 10;

const short = (sha: string | null) => (sha === null ? 'nothing' : sha.slice(0, 7));

const answerOf =
  (facts: CommitFacts) =>
  (state: CommitState, message: string, bundles: CommitBundle[] = [], counts = sum(bundles)): CommitProgress => ({
    commit: facts.commit,
    for: facts.for,
    state,
    done: state !== 'unseen' && state !== 'progressing',
    message,
    rejected: state === 'rejected' ? facts.rejectedIn : null,
    bundles,
    counts,
  });

/**
 * What is decided before any cluster is read: the answer, when no cluster can change it, or the
 * bundles whose targeted clusters are waited for (then a CommitTally counts them).
 */
export function commitScope(facts: CommitFacts): { answer: CommitProgress } | { waitFor: CommitBundleFacts[] } {
  const { commit } = facts;
  const answer = answerOf(facts);
  const atCommit = facts.bundles.filter((b) => b.sourceCommit === commit);
  const inScope = facts.named === undefined ? atCommit : facts.bundles.filter((b) => facts.named!.includes(b.name));

  if (facts.settling) return { answer: answer('unseen', 'the hub is taking in a new fleet commit; asking again shortly tells') };
  if (atCommit.length === 0) {
    if (facts.rejectedIn !== null)
      return {
        answer: answer(
          'rejected',
          `${short(commit)} is the newest commit of fleet repository ${facts.rejectedIn.repo}, and the hub rejected it`,
        ),
      };
    if (facts.acceptedIn?.current === false)
      return {
        answer: answer(
          'superseded',
          `${short(commit)} was accepted in fleet repository ${facts.acceptedIn.repo}, which has moved on since`,
        ),
      };
    if (facts.acceptedIn?.current === true)
      return {
        answer: answer(
          'untraceable',
          `${short(commit)} is the commit fleet repository ${facts.acceptedIn.repo} serves, but no bundle${facts.named === undefined ? '' : ` named ${facts.named.join(', ')}`} ` +
            "takes its source from it: clusters report their bundles' source commits",
        ),
      };
    const serving = facts.serving.map((s) => `${s.repo} at ${short(s.commit)}`).join(', ');
    return { answer: answer('unseen', `the hub has not seen ${short(commit)} yet (it serves ${serving || 'nothing'})`) };
  }
  const unknown = (facts.named ?? []).filter((n) => !facts.bundles.some((b) => b.name === n));
  if (unknown.length > 0) return { answer: answer('untraceable', `no bundle named ${unknown.join(', ')}`) };
  const elsewhere = inScope.filter((b) => b.sourceCommit !== commit);
  if (elsewhere.length > 0)
    return {
      answer: answer(
        'untraceable',
        `${elsewhere.map((b) => `bundle ${b.name} takes its source from ${short(b.sourceCommit)}`).join('; ')}, not from ${short(commit)}`,
      ),
    };
  return { waitFor: inScope };
}

interface Listed {
  bundle: number;
  cluster: TargetedCluster;
  state: CommitClusterState;
}

const LISTING_ORDER: readonly CommitClusterState[] = ['failed', 'unreachable', 'waiting', 'reached'];

/**
 * The targeted clusters of the bundles waited for, counted as they are read, a chunk of the fleet
 * at a time: every cluster is counted, at most `limit` are kept to be listed (failed first, then
 * unreachable, waiting, reached; within each, in the order added), so memory follows the limit,
 * not the fleet.
 */
export class CommitTally {
  private readonly counts: CommitCounts[];
  private readonly kept = new Map<CommitClusterState, Listed[]>(LISTING_ORDER.map((s) => [s, []]));
  private readonly failedNames: string[] = [];

  constructor(
    readonly bundles: readonly CommitBundleFacts[],
    private readonly want: WaitFor,
    private readonly limit: number,
  ) {
    this.counts = bundles.map(() => emptyCounts());
  }

  /** One cluster targeted by bundles[bundle]. */
  add(bundle: number, cluster: TargetedCluster): void {
    const b = this.bundles[bundle];
    const { state } = clusterState(cluster, b.targetCommit, this.want, b.pin, '');
    const counts = this.counts[bundle];
    counts.clusters++;
    counts[state]++;
    const kept = this.kept.get(state)!;
    if (kept.length < this.limit) kept.push({ bundle, cluster, state });
    if (state === 'failed' && this.failedNames.length < FAILED_NAMED) this.failedNames.push(`${b.name} on ${cluster.name}`);
  }

  /** The clusters listed (the limit's first, in listing order). */
  private listed(): Listed[] {
    return LISTING_ORDER.flatMap((s) => this.kept.get(s)!).slice(0, this.limit);
  }

  /** The listed clusters that failed at the commit and whose answer quotes the agent's message. */
  failuresToQuote(): { clusterId: string; bundle: string; commit: string }[] {
    return this.listed()
      .filter((l) => l.state === 'failed' && l.cluster.row?.phase === 'failed')
      .map((l) => ({ clusterId: l.cluster.clusterId, bundle: this.bundles[l.bundle].name, commit: this.bundles[l.bundle].targetCommit }));
  }

  /**
   * Per bundle: its counts and listed clusters. `messages`: the agents' messages of failures,
   * by `<clusterId>/<bundle>`.
   */
  result(messages: ReadonlyMap<string, string>): { bundles: CommitBundle[]; failed: { named: string[]; total: number } } {
    const listed = this.bundles.map((): CommitCluster[] => []);
    for (const { bundle, cluster } of this.listed()) {
      const b = this.bundles[bundle];
      const { state, message } = clusterState(
        cluster,
        b.targetCommit,
        this.want,
        b.pin,
        messages.get(`${cluster.clusterId}/${b.name}`) ?? '',
      );
      listed[bundle].push({
        cluster: cluster.name,
        state,
        condition: cluster.row?.condition ?? {
          tone: cluster.reachable ? 'waiting' : 'unknown',
          text: cluster.reachable ? 'pending' : 'unknown',
        },
        commit: cluster.row?.commit ?? null,
        message,
      });
    }
    const bundles = this.bundles.map((b, i): CommitBundle => ({
      bundle: b.name,
      pin: b.pin,
      rollout: b.rollout,
      counts: this.counts[i],
      clusters: listed[i],
      unlisted: this.counts[i].clusters - listed[i].length,
    }));
    return { bundles, failed: { named: this.failedNames, total: sum(bundles).failed } };
  }
}

/** The answer once the clusters of the bundles waited for are counted (commitScope gave them). */
export function commitProgress(facts: CommitFacts, tallied: ReturnType<CommitTally['result']>): CommitProgress {
  const short7 = short(facts.commit);
  const answer = answerOf(facts);
  const { bundles, failed } = tallied;
  const counts = sum(bundles);
  if (failed.total > 0) {
    const more = failed.total - failed.named.length;
    return answer('failed', `${short7} failed: ${failed.named.join(', ')}${more > 0 ? ` and on ${more} more` : ''}`, bundles, counts);
  }
  if (counts.reached === counts.clusters)
    return answer(
      'reached',
      counts.clusters === 0
        ? `no cluster is targeted by the bundles at ${short7}`
        : `${short7} is ${facts.for} on all ${counts.clusters} targeted cluster${counts.clusters === 1 ? '' : 's'}`,
      bundles,
      counts,
    );
  return answer('progressing', `${counts.reached} of ${counts.clusters} targeted clusters ${facts.for} at ${short7}`, bundles, counts);
}

/**
 * Where one targeted cluster stands, against the commit the bundle's targets name at the commit
 * asked about; `agentMessage`: what its agent said of a failure there.
 */
function clusterState(
  c: TargetedCluster,
  commit: string,
  want: WaitFor,
  pin: string | null,
  agentMessage: string,
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
  if (row.phase === 'failed')
    return { state: 'failed', message: `failed at ${short(commit)}${agentMessage === '' ? '' : `: ${agentMessage}`}` };
  if (row.phase !== 'synced') return { state: 'waiting', message: row.condition.text };
  if (want === 'synced') return { state: 'reached', message: '' };
  if (row.health === 'healthy') return { state: 'reached', message: '' };
  if (row.health === 'degraded' || row.health === 'missing')
    return { state: 'failed', message: `synced at ${short(commit)} but ${row.health}` };
  return { state: 'waiting', message: row.condition.text };
}

/** Why a cluster's TargetSet does not ask for the commit yet, when it does not. */
function heldBack(row: PlacementRow, commit: string, pin: string | null): string {
  if (row.desiredCommit === commit) return '';
  if (pin !== null) return `; the bundle is pinned to ${short(pin)}`;
  if (row.rollout === 'waiting') return '; the rollout has not reached it yet';
  if (row.rollout === 'paused') return '; the rollout is paused before it';
  return `; its TargetSet asks for ${short(row.desiredCommit)} (the hub is placing ${short(commit)})`;
}

function emptyCounts(): CommitCounts {
  return { clusters: 0, reached: 0, waiting: 0, failed: 0, unreachable: 0 };
}

function sum(bundles: CommitBundle[]): CommitCounts {
  const counts = emptyCounts();
  for (const b of bundles) for (const key of Object.keys(counts) as (keyof CommitCounts)[]) counts[key] += b.counts[key];
  return counts;
}

/** A full SHA as given; a short one completed when exactly one known commit starts with it. */
export function completeCommit(given: string, known: Iterable<string>): string | { ambiguous: string[] } {
  if (given.length === 40) return given;
  const matches = [...new Set([...known].filter((c) => c.startsWith(given)))];
  if (matches.length === 1) return matches[0];
  return matches.length === 0 ? given : { ambiguous: matches };
}
