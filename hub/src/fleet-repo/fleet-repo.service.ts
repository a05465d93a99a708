import { join } from 'node:path';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module';
import type { FleetRepoConfig, HubConfig } from '../config/hub-config';
import { FleetCommitEvents } from '../events/fleet-commit-events.service';
import { Listeners } from '../events/listeners';
import { LOGGER, type Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import type { BundleEntity } from './bundle.entity';
import {
  formatFleetError,
  type BundleDocument,
  type BundleSpec,
  type ClusterGroupDocument,
  type ClusterGroupSpec,
  type FleetError,
} from './fleet-format';
import { checkFleetReferences } from './fleet-references';
import {
  afterFetched,
  HEALTHY,
  afterFetchFailed,
  afterRejected,
  repoState,
  storedForm,
  storedHealth,
  type FetchFailure,
  type FleetHealth,
  type FleetRepoState,
  type RejectedHead,
} from './fleet-health';
import { FleetRepoFollower, type FleetCandidate } from './fleet-repo-follower';
import type { FleetSourceError } from './fleet-source.entity';
import { FleetStore } from './fleet-store';
import { timedFetches, type RepositoryMirror } from './git-mirror';
import { GitWorker, WorkerMirror } from './git-worker-client';
import { sameRepository } from './repo-identity';
import { canonicalJson } from '#core';
import { DEFAULT_BUNDLE_POLICY, stripUserinfo, type BundlePolicy } from '#core';
import { ArtifactPackError, ArtifactPacker, type PackRequest } from '../artifacts/artifact-packer';
import { refusedByPolicy } from '../artifacts/manifest-policy';

/**
 * The fleet after a change: bundles (sources resolved) and groups of every fleet repository.
 * `fleetRepo`, `repoUrl` and `commit` name the repository whose commit caused the change.
 */
export interface FleetCommitAccepted {
  fleetRepo: string;
  repoUrl: string;
  commit: string;
  bundles: BundleSpec[];
  groups: ClusterGroupSpec[];
  /** Last good commit of each fleet repository that has one. */
  commits: Record<string, string>;
}

/** One fleet repository as GET /api/v1/fleet shows it. */
export interface FleetState {
  name: string;
  url: string;
  branch: string;
  path: string;
  /** The last good commit. */
  commit: string | null;
  fetchedAt: Date | null;
  state: FleetRepoState;
  rejected: RejectedHead | null;
  fetchError: FetchFailure | null;
  /** Why the head (or the fetch) is not served: the fetch failure first, as hubs before fleet health showed it. */
  error: FleetSourceError | null;
}

interface GoodCommit {
  commit: string;
  bundles: BundleDocument[];
  groups: ClusterGroupDocument[];
}

/**
 * Follows every configured fleet repository (FleetRepoFollower) and serves their union.
 * A commit is accepted only if the whole fleet stays valid with it; a broken commit in one
 * repository keeps that repository's last good commit and never holds the others up.
 */
@Injectable()
export class FleetRepoService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly accepted: Listeners<FleetCommitAccepted>;
  private readonly log: Logger;
  private readonly followers: FleetRepoFollower[];
  private readonly mirrors = new Map<string, RepositoryMirror>();
  /** Where the mirrors' git processes start (git-worker-client.ts). */
  private readonly gitWorker: GitWorker;
  /** Plain bundles judged by a policy: content digest + namespace + policy → what it refuses. */
  private readonly policyJudged = new Map<string, string[]>();
  private readonly good = new Map<string, GoodCommit>();
  /** Per repository, the commit this replica is storing as accepted (not yet in `good`). */
  private readonly storing = new Map<string, string>();
  /** The running look for commits other replicas accepted (adoptAccepted). */
  private adopting: Promise<void> | undefined;
  /** Acceptance (check against all repositories, store, announce) runs one at a time. */
  private acceptance: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly store: FleetStore,
    @Inject(LOGGER) logger: Logger,
    private readonly events: FleetCommitEvents,
    private readonly metrics: MetricsService,
    private readonly packer: ArtifactPacker,
  ) {
    this.log = logger.child({ module: 'fleet-repo' });
    this.accepted = new Listeners((error) => this.log.error({ err: error }, 'reacting to a fleet commit failed'));
    this.gitWorker = new GitWorker((detail) => this.log.warn({ detail }, 'the git worker exited; the next git call starts it again'));
    metrics.readFleetReposWith(() => this.repoStates());
    this.followers = config.fleetRepos.map(
      (repo) =>
        new FleetRepoFollower(
          repo,
          config.fleetPollIntervalMs,
          {
            mirrorOf: (url) => timedFetches(this.mirrorOf(url), (fetch) => this.metrics.timeFetch(repo.name, fetch)),
            offer: (candidate) => this.offer(candidate),
            pack: (bundles) => this.pack(bundles, repo),
            fetched: (r) => this.recordHealth(r, afterFetched),
            reject: (r, commit, errors) => {
              if (commit === null)
                return this.recordHealth(r, (h) => afterFetchFailed(h, errors[0]?.message ?? 'fetch failed', new Date()));
              this.events.rejected(r.name, commit, errors.map(formatFleetError));
              return this.recordHealth(r, (h) => afterRejected(h, commit, errors, new Date()));
            },
          },
          this.log.child({ fleetRepo: repo.name, repo: stripUserinfo(repo.url), branch: repo.branch }),
        ),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.loadLastGood();
    await Promise.all(this.followers.map((f) => f.request()));
    for (const f of this.followers) f.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.acceptance;
    await this.gitWorker.close();
  }

  /** Fetches every fleet repository now (queued behind a sync in flight) and waits for the result. */
  async syncNow(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.request()));
  }

  /** Fetches one fleet repository now; false when no repository has that name. */
  async syncRepo(name: string): Promise<boolean> {
    const follower = this.followers.find((f) => f.repo.name === name);
    if (follower === undefined) return false;
    await follower.request();
    return true;
  }

  /**
   * A push happened to a repository known by any of `urls`, updating `ref` (refs/heads/… or
   * refs/tags/…): starts a fetch of every fleet repository that follows that branch or takes
   * a bundle source from that ref, without waiting for it. Returns their names.
   */
  pushed(urls: string[], ref: string): string[] {
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
    const name = ref.replace(/^refs\/(heads|tags)\//, '');
    const known = (url: string) => urls.some((u) => sameRepository(u, url));
    const moved = (f: FleetRepoFollower) => known(f.repo.url) && f.repo.branch === branch;
    const affected = this.followers.filter((f) => moved(f) || f.sources.some((s) => known(s.url) && s.ref === name));
    // A fleet branch the push moved is fetched without asking the remote for its head first.
    for (const f of affected) void f.request({ pushed: moved(f) });
    return affected.map((f) => f.repo.name);
  }

  /** Every fleet repository, in configuration order. */
  async states(): Promise<FleetState[]> {
    const states: FleetState[] = [];
    for (const repo of this.config.fleetRepos) {
      const source = await this.store.source(await this.sourceIdentity(repo));
      const health = storedHealth(source.lastError, source.fetchedAt);
      states.push({
        name: repo.name,
        url: stripUserinfo(repo.url),
        branch: repo.branch,
        path: repo.path,
        commit: source.lastGoodCommit,
        fetchedAt: source.fetchedAt,
        state: repoState(source.lastGoodCommit, health),
        rejected: health.rejected,
        fetchError: health.fetch,
        error:
          health.fetch !== null
            ? { commit: null, errors: [{ file: null, line: null, field: null, message: health.fetch.message }] }
            : health.rejected === null
              ? null
              : { commit: health.rejected.commit, errors: health.rejected.errors },
      });
    }
    return states;
  }

  /** The first fleet repository (FLEET_REPO_URL's, when set). */
  async state(): Promise<FleetState> {
    return (await this.states())[0];
  }

  /** The bundles of the last good commits, by name. */
  async currentBundles(): Promise<BundleEntity[]> {
    return this.store.bundles();
  }

  /**
   * The fleet being served, or null before any repository had a commit accepted. A commit that
   * another hub replica accepted and this one has not fetched yet is served from here on.
   */
  async current(): Promise<FleetCommitAccepted | null> {
    await (this.adopting ??= this.adoptAccepted().finally(() => (this.adopting = undefined)));
    const first = this.config.fleetRepos.find((r) => this.good.has(r.name));
    if (first === undefined) return null;
    return this.fleetAfter(first, this.good.get(first.name)!.commit);
  }

  /** The policy the operator set for a fleet repository's bundles (FLEET_REPOS[].policy), if any. */
  policyOf(fleetRepo: string): BundlePolicy | undefined {
    return this.config.fleetRepos.find((r) => r.name === fleetRepo)?.policy;
  }

  /** The bundles and groups of one fleet repository as they were at an accepted commit (pins, rollbacks). */
  async bundlesAt(fleetRepo: string, commit: string): Promise<{ bundles: BundleSpec[]; groups: ClusterGroupSpec[] } | null> {
    return this.store.specsAt(fleetRepo, commit);
  }

  private mirrorOf(url: string): RepositoryMirror {
    const key = stripUserinfo(url);
    let mirror = this.mirrors.get(key);
    if (mirror === undefined) {
      // A source repository uses the credentials of the fleet repository on the same host, if any.
      const auth =
        this.config.fleetRepos.find((r) => sameRepository(r.url, url)) ?? this.config.fleetRepos.find((r) => sameOrigin(r.url, url));
      mirror = new WorkerMirror(this.gitWorker, url, join(this.config.dataDir, 'git'), auth ?? {});
      this.mirrors.set(key, mirror);
    }
    return mirror;
  }

  /**
   * Each bundle's source packed (ArtifactPacker); a source that cannot be is an error of its
   * bundle. So is a plain bundle with an object the repository's policy refuses where the hub
   * can tell (manifest-policy.ts; the agent judges the rest, and everything Helm or Kustomize render).
   */
  private async pack(docs: BundleDocument[], repo: FleetRepoConfig): Promise<{ bundles: BundleDocument[]; errors: FleetError[] }> {
    const bundles: BundleDocument[] = [];
    const errors: FleetError[] = [];
    for (const doc of docs) {
      const { source, render } = doc.bundle;
      const at = { file: doc.file, line: doc.sourcePathLine, field: 'spec.source.path' };
      try {
        const request = { mirror: this.mirrorOf(source.repoUrl), commit: source.commit, path: source.path, kind: render.kind };
        const artifact = await this.packer.pack(request);
        const refused = render.kind === 'raw' ? await this.refusedByPolicy(repo, doc, request, artifact.digest) : [];
        if (refused.length > 0) {
          errors.push(...refused.slice(0, 5).map((message) => ({ ...at, message: `bundle "${doc.bundle.name}": ${message}` })));
          continue;
        }
        bundles.push({ ...doc, bundle: { ...doc.bundle, source: { ...source, artifact } } });
      } catch (error) {
        if (!(error instanceof ArtifactPackError)) throw error;
        errors.push({ ...at, message: error.message });
      }
    }
    return { bundles, errors };
  }

  /** What the repository's policy (or the default) refuses in a plain bundle, judged once per content and policy. */
  private async refusedByPolicy(repo: FleetRepoConfig, doc: BundleDocument, request: PackRequest, digest: string): Promise<string[]> {
    const policy = repo.policy ?? DEFAULT_BUNDLE_POLICY;
    const key = `${digest}\n${doc.bundle.namespace}\n${canonicalJson(policy)}`;
    let refused = this.policyJudged.get(key);
    if (refused === undefined) {
      const whose = repo.policy ? "the fleet repository's policy" : 'the default policy';
      refused = await refusedByPolicy(await this.packer.plainFiles(request), policy, doc.bundle.namespace, whose);
      if (this.policyJudged.size >= 1000) this.policyJudged.delete(this.policyJudged.keys().next().value as string);
      this.policyJudged.set(key, refused);
    }
    return refused;
  }

  private offer(candidate: FleetCandidate): Promise<void> {
    const run = this.acceptance.then(() => this.accept(candidate));
    this.acceptance = run.catch(() => undefined);
    return run;
  }

  private async accept({ repo, commit, bundles, groups }: FleetCandidate): Promise<void> {
    const others = this.config.fleetRepos
      .filter((r) => r.name !== repo.name && this.good.has(r.name))
      .map((r) => ({ repo: r.name, ...this.good.get(r.name)! }));
    const errors = checkFleetReferences([...others, { repo: repo.name, bundles, groups }], repo.name);
    if (errors.length > 0) {
      this.log.warn(
        { fleetRepo: repo.name, commit, first: errors.slice(0, 5).map(formatFleetError) },
        'fleet commit rejected; serving the last good commit',
      );
      this.events.rejected(repo.name, commit, errors.map(formatFleetError));
      await this.recordHealth(repo, (h) => afterRejected(h, commit, errors, new Date()));
      return;
    }
    const previous = this.good.get(repo.name);
    const specs = bundles.map((d) => d.bundle);
    const groupSpecs = groups.map((d) => d.group);
    const sourceId = await this.sourceIdentity(repo);
    if (
      previous?.commit === commit &&
      canonicalJson(previous.bundles.map((d) => d.bundle)) === canonicalJson(specs) &&
      canonicalJson(previous.groups.map((d) => d.group)) === canonicalJson(groupSpecs)
    ) {
      // The head is back at what the hub serves (a revert, a force-push): a rejection no longer stands.
      await this.recordHealth(repo, (health) => {
        if (health.rejected !== null) this.events.restored(repo.name, commit, health.rejected.commit);
        return HEALTHY;
      });
      return;
    }
    this.storing.set(repo.name, commit);
    try {
      await this.store.accept({ fleetRepo: repo.name, sourceId, commit, bundles, groups });
      this.good.set(repo.name, { commit, bundles, groups });
    } finally {
      this.storing.delete(repo.name);
    }
    this.log.info(
      { fleetRepo: repo.name, commit, bundles: specs.map((b) => `${b.name}@${b.source.commit.slice(0, 12)}`) },
      'fleet commit accepted',
    );
    this.events.accepted(
      repo.name,
      commit,
      specs.map((b) => `${b.name}@${b.source.commit}`),
    );
    const fannedOut = this.metrics.fanoutStarted();
    await this.accepted.emit(this.fleetAfter(repo, commit));
    fannedOut();
  }

  /**
   * Takes the commits other replicas accepted and this one has not: a push webhook reaches one
   * replica, and the others would otherwise place and plan rollouts on the older fleet until
   * their next poll, writing older TargetSets over newer ones. The accepting replica stored
   * the commit's documents; they are served from the database as at startup (loadLastGood), and
   * announced here as accepted (placement finds what the other replica wrote and writes nothing).
   * One short read per repository.
   */
  private async adoptAccepted(): Promise<void> {
    // The embedded database serves one hub process: no other replica accepts anything.
    if (this.config.databaseUrl === undefined) return;
    for (const repo of this.config.fleetRepos) {
      const served = this.good.get(repo.name)?.commit;
      const { lastGoodCommit } = await this.store.source(await this.sourceIdentity(repo));
      if (lastGoodCommit === null || lastGoodCommit === served || lastGoodCommit === this.storing.get(repo.name)) continue;
      const documents = await this.store.documentsAt(repo.name, lastGoodCommit);
      // Accepted here meanwhile, or stored without its documents: nothing to take.
      if (documents === null || this.good.get(repo.name)?.commit !== served || this.storing.has(repo.name)) continue;
      this.good.set(repo.name, { commit: lastGoodCommit, ...documents });
      this.log.info(
        { fleetRepo: repo.name, commit: lastGoodCommit, was: served ?? null },
        'serving a fleet commit another hub replica accepted',
      );
      void this.accepted.emit(this.fleetAfter(repo, lastGoodCommit));
    }
  }

  private fleetAfter(repo: FleetRepoConfig, commit: string): FleetCommitAccepted {
    const bundles: BundleSpec[] = [];
    const groups: ClusterGroupSpec[] = [];
    const commits: Record<string, string> = {};
    for (const r of this.config.fleetRepos) {
      const good = this.good.get(r.name);
      if (good === undefined) continue;
      commits[r.name] = good.commit;
      bundles.push(...good.bundles.map((d) => d.bundle));
      groups.push(...good.groups.map((d) => d.group));
    }
    bundles.sort((a, b) => (a.name < b.name ? -1 : 1));
    groups.sort((a, b) => (a.name < b.name ? -1 : 1));
    return { fleetRepo: repo.name, repoUrl: stripUserinfo(repo.url), commit, bundles, groups, commits };
  }

  /** The last good commit of each repository, as stored; bundles of repositories no longer configured are dropped. */
  private async loadLastGood(): Promise<void> {
    const names = this.config.fleetRepos.map((r) => r.name);
    await this.store.keepRepos(names);
    for (const repo of this.config.fleetRepos) {
      const source = await this.store.source(await this.sourceIdentity(repo));
      if (source.lastGoodCommit === null) continue;
      const documents = await this.store.documentsAt(repo.name, source.lastGoodCommit);
      if (documents !== null) this.good.set(repo.name, { commit: source.lastGoodCommit, ...documents });
    }
  }

  /**
   * Stores what a fetch or a verdict changed of the repository's health, announcing a fetch
   * that starts failing and one that works again (fleet.fetch.failed / fleet.fetch.recovered).
   */
  private async recordHealth(repo: FleetRepoConfig, change: (health: FleetHealth) => FleetHealth): Promise<void> {
    const id = await this.sourceIdentity(repo);
    const row = await this.store.source(id);
    const before = storedHealth(row.lastError, row.fetchedAt);
    const after = change(before);
    await this.store.setHealth(id, storedForm(after));
    if (before.fetch === null && after.fetch !== null) this.events.fetchFailed(repo.name, after.fetch.message);
    if (before.fetch !== null && after.fetch === null) this.events.fetchRecovered(repo.name, before.fetch.since);
  }

  /** Each fleet repository's state, for the metrics. */
  async repoStates(): Promise<{ repo: string; state: FleetRepoState }[]> {
    return (await this.states()).map((s) => ({ repo: s.name, state: s.state }));
  }

  /** The row of this repo/branch/path, created on first use. */
  private sourceIdentity(repo: FleetRepoConfig): Promise<number> {
    return this.store.sourceId({ name: repo.name, url: stripUserinfo(repo.url), branch: repo.branch, path: repo.path });
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(stripUserinfo(a));
    const y = new URL(stripUserinfo(b));
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return false;
  }
}

export type { FleetError };
