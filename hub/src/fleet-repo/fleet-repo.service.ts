import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module';
import type { FleetRepoConfig, HubConfig } from '../config/hub-config';
import { FleetCommitEvents } from '../events/fleet-commit-events.service';
import { Listeners } from '../events/listeners';
import { LOGGER, type Logger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import type { BundleEntity } from './bundle.entity';
import { formatFleetError, type BundleSpec, type ClusterGroupSpec, type FleetError } from './fleet-format';
import { checkFleetReferences } from './fleet-references';
import { keepContentCommits } from './content-commits';
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
import { FleetMirrors } from './fleet-mirrors';
import { timedFetches } from './git-mirror';
import { sameRepository } from './repo-identity';
import { ServedFleet, type FleetCommitAccepted } from './served-fleet';
import { canonicalJson, stripUserinfo, type BundlePolicy } from '#core';
import { ArtifactPacker } from '../artifacts/artifact-packer';

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
  /** Mirrors of the fleet and source repositories, and the packing of sources. */
  private readonly mirrors: FleetMirrors;
  /** Each repository's last good commit, as this replica serves it. */
  private readonly served: ServedFleet;
  /** Acceptance (check against all repositories, store, announce) runs one at a time. */
  private acceptance: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly store: FleetStore,
    @Inject(LOGGER) logger: Logger,
    private readonly events: FleetCommitEvents,
    private readonly metrics: MetricsService,
    packer: ArtifactPacker,
  ) {
    this.log = logger.child({ module: 'fleet-repo' });
    this.accepted = new Listeners((error) => this.log.error({ err: error }, 'reacting to a fleet commit failed'));
    this.mirrors = new FleetMirrors(config, packer, (detail) =>
      this.log.warn({ detail }, 'the git worker exited; the next git call starts it again'),
    );
    this.served = new ServedFleet({
      repos: config.fleetRepos,
      store,
      sourceIdentity: (repo) => this.sourceIdentity(repo),
      shared: config.databaseUrl !== undefined,
      caughtUp: (fleet) => void this.accepted.emit(fleet),
      log: this.log,
    });
    metrics.readFleetReposWith(() => this.repoStates());
    this.followers = config.fleetRepos.map(
      (repo) =>
        new FleetRepoFollower(
          repo,
          config.fleetPollIntervalMs,
          {
            mirrorOf: (url) => timedFetches(this.mirrors.mirrorOf(url), (fetch) => this.metrics.timeFetch(repo.name, fetch)),
            offer: (candidate) => this.offer(candidate),
            pack: (bundles) => this.mirrors.pack(bundles, repo),
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
    // Bundles of repositories no longer configured are dropped; each repository's last good commit is served.
    await this.store.keepRepos(this.config.fleetRepos.map((r) => r.name));
    await this.served.load();
    await Promise.all(this.followers.map((f) => f.request()));
    for (const f of this.followers) f.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.acceptance;
    await this.mirrors.close();
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
  current(): Promise<FleetCommitAccepted | null> {
    return this.served.current();
  }

  /** The policy the operator set for a fleet repository's bundles (FLEET_REPOS[].policy), if any. */
  policyOf(fleetRepo: string): BundlePolicy | undefined {
    return this.config.fleetRepos.find((r) => r.name === fleetRepo)?.policy;
  }

  /** The bundles and groups of one fleet repository as they were at an accepted commit (pins, rollbacks). */
  async bundlesAt(fleetRepo: string, commit: string): Promise<{ bundles: BundleSpec[]; groups: ClusterGroupSpec[] } | null> {
    return this.store.specsAt(fleetRepo, commit);
  }

  private offer(candidate: FleetCandidate): Promise<void> {
    const run = this.acceptance.then(() => this.accept(candidate));
    this.acceptance = run.catch(() => undefined);
    return run;
  }

  private async accept({ repo, commit, bundles, groups }: FleetCandidate): Promise<void> {
    const errors = checkFleetReferences([...this.served.others(repo.name), { repo: repo.name, bundles, groups }], repo.name);
    if (errors.length > 0) {
      this.log.warn(
        { fleetRepo: repo.name, commit, first: errors.slice(0, 5).map(formatFleetError) },
        'fleet commit rejected; serving the last good commit',
      );
      this.events.rejected(repo.name, commit, errors.map(formatFleetError));
      await this.recordHealth(repo, (h) => afterRejected(h, commit, errors, new Date()));
      return;
    }
    const previous = this.served.of(repo.name);
    const served = previous?.bundles.map((d) => d.bundle) ?? [];
    const groupSpecs = groups.map((d) => d.group);
    const sourceId = await this.sourceIdentity(repo);
    if (
      previous?.commit === commit &&
      canonicalJson(served) === canonicalJson(keepContentCommits(served, bundles).map((d) => d.bundle)) &&
      canonicalJson(previous.groups.map((d) => d.group)) === canonicalJson(groupSpecs)
    ) {
      // The head is back at what the hub serves (a revert, a force-push): a rejection no longer stands.
      await this.recordHealth(repo, (health) => {
        if (health.rejected !== null) this.events.restored(repo.name, commit, health.rejected.commit);
        return HEALTHY;
      });
      return;
    }
    const stored = await this.served.accept(repo.name, commit, async () => ({
      commit,
      bundles: await this.store.accept({
        fleetRepo: repo.name,
        sourceId,
        commit,
        bundles,
        groups,
        inHistory: (repoUrl, kept, at) => this.mirrors.mirrorOf(repoUrl).isAncestor(kept, at),
      }),
      groups,
    }));
    const specs = stored.bundles.map((d) => d.bundle);
    this.log.info(
      {
        fleetRepo: repo.name,
        commit,
        bundles: specs.map((b) => `${b.name}@${b.source.commit.slice(0, 12)}`),
        // The bundles this commit left exactly as they were, and the commit they keep.
        kept: specs
          .filter((b) => b.source.contentCommit !== b.source.commit)
          .map((b) => `${b.name}@${b.source.contentCommit?.slice(0, 12)}`),
      },
      'fleet commit accepted',
    );
    this.events.accepted(
      repo.name,
      commit,
      specs.map((b) => `${b.name}@${b.source.commit}`),
    );
    const fannedOut = this.metrics.fanoutStarted();
    await this.accepted.emit(this.served.fleetAfter(repo, commit));
    fannedOut();
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

export type { FleetError, FleetCommitAccepted };
