import type { FleetRepoConfig } from '../config/hub-config';
import type { Logger } from '../logging/logger';
import type { BundleDocument, BundleSpec, ClusterGroupDocument, ClusterGroupSpec } from './fleet-format';
import type { FleetStore } from './fleet-store';
import { stripUserinfo } from '#core';

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

/** A fleet repository's last good commit, with the documents it was accepted with. */
export interface GoodCommit {
  commit: string;
  bundles: BundleDocument[];
  groups: ClusterGroupDocument[];
}

export interface ServedFleetOptions {
  /** The configured fleet repositories, in configuration order (the first names the fleet). */
  repos: FleetRepoConfig[];
  store: FleetStore;
  /** The fleet_source row of a repository (created on first use). */
  sourceIdentity: (repo: FleetRepoConfig) => Promise<number>;
  /** False on the embedded database: one hub process, so no other replica accepts anything. */
  shared: boolean;
  /** A commit another replica accepted, now served here too. */
  caughtUp: (fleet: FleetCommitAccepted) => void;
  log: Logger;
}

/**
 * The fleet this hub replica serves: each fleet repository's last good commit. Loaded from the
 * database at startup, replaced when this replica accepts a commit, and caught up with the
 * commits other replicas accepted before anyone reads it (current()).
 */
export class ServedFleet {
  private readonly good = new Map<string, GoodCommit>();
  /** Per repository, the commit this replica is storing as accepted (not yet in `good`). */
  private readonly storing = new Map<string, string>();
  /** The running look for commits other replicas accepted (catchUp). */
  private catchingUp: Promise<void> | undefined;

  constructor(private readonly options: ServedFleetOptions) {}

  /** The last good commit of each repository, as stored. */
  async load(): Promise<void> {
    const { repos, store, sourceIdentity } = this.options;
    for (const repo of repos) {
      const source = await store.source(await sourceIdentity(repo));
      if (source.lastGoodCommit === null) continue;
      const documents = await store.documentsAt(repo.name, source.lastGoodCommit);
      if (documents !== null) this.good.set(repo.name, { commit: source.lastGoodCommit, ...documents });
    }
  }

  /** The commit served of one repository, as this replica last knew it. */
  of(repo: string): GoodCommit | undefined {
    return this.good.get(repo);
  }

  /** Every other repository's served commit: what a candidate of `repo` is checked against. */
  others(repo: string): (GoodCommit & { repo: string })[] {
    return this.options.repos
      .filter((r) => r.name !== repo && this.good.has(r.name))
      .map((r) => ({ repo: r.name, ...this.good.get(r.name)! }));
  }

  /**
   * Serves what `write` stored as the last good commit of `repo` (`commit`) once it succeeded,
   * and returns it; meanwhile a catch-up leaves that commit to this replica.
   */
  async accept(repo: string, commit: string, write: () => Promise<GoodCommit>): Promise<GoodCommit> {
    this.storing.set(repo, commit);
    try {
      const good = await write();
      this.good.set(repo, good);
      return good;
    } finally {
      this.storing.delete(repo);
    }
  }

  /**
   * The fleet being served, or null before any repository had a commit accepted. A commit that
   * another hub replica accepted and this one has not fetched yet is served from here on.
   */
  async current(): Promise<FleetCommitAccepted | null> {
    await (this.catchingUp ??= this.catchUp().finally(() => (this.catchingUp = undefined)));
    const first = this.options.repos.find((r) => this.good.has(r.name));
    if (first === undefined) return null;
    return this.fleetAfter(first, this.good.get(first.name)!.commit);
  }

  /** The whole fleet after `commit` of `repo`: every repository's served bundles and groups, by name. */
  fleetAfter(repo: FleetRepoConfig, commit: string): FleetCommitAccepted {
    const bundles: BundleSpec[] = [];
    const groups: ClusterGroupSpec[] = [];
    const commits: Record<string, string> = {};
    for (const r of this.options.repos) {
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

  /**
   * Takes the commits other replicas accepted and this one has not: a push webhook reaches one
   * replica, and the others would otherwise place and plan rollouts on the older fleet until
   * their next poll, writing older TargetSets over newer ones. The accepting replica stored
   * the commit's documents; they are served from the database as at startup (load), and
   * announced as accepted (placement finds what the other replica wrote and writes nothing).
   * One short read per repository.
   */
  private async catchUp(): Promise<void> {
    const { repos, store, sourceIdentity, shared, caughtUp, log } = this.options;
    if (!shared) return;
    for (const repo of repos) {
      const served = this.good.get(repo.name)?.commit;
      const { lastGoodCommit } = await store.source(await sourceIdentity(repo));
      if (lastGoodCommit === null || lastGoodCommit === served || lastGoodCommit === this.storing.get(repo.name)) continue;
      const documents = await store.documentsAt(repo.name, lastGoodCommit);
      // Accepted here meanwhile, or stored without its documents: nothing to take.
      if (documents === null || this.good.get(repo.name)?.commit !== served || this.storing.has(repo.name)) continue;
      this.good.set(repo.name, { commit: lastGoodCommit, ...documents });
      log.info(
        { fleetRepo: repo.name, commit: lastGoodCommit, was: served ?? null },
        'serving a fleet commit another hub replica accepted',
      );
      caughtUp(this.fleetAfter(repo, lastGoodCommit));
    }
  }
}
