import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { CommitQuery, DEFAULT_COMMIT_LIMIT, type CommitProgress } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import type { ScopeFilter } from '../auth/scope-filter';
import { ScopeService } from '../auth/scope.service';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { sourceCommitOfTargets } from '../fleet-repo/content-commits';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { placementFleet, type PlacementFleet } from '../placement/placement.service';
import { selectingTarget } from '../placement/target-set';
import { RolloutStore } from '../rollout/rollout-store';
import { StatusService } from '../status/status.service';
import { CommitTally, commitProgress, commitScope, completeCommit, type CommitFacts } from './commit-progress';
import { FLEET_CHUNK, keysetChunks } from './keyset-chunks';
import { invalidArgument } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import { placementQuery } from './bundle-views';
import { isAdmitted, placementRow, type ViewContext } from './views';

/**
 * GET /api/v1/commits/:commit — the gate a pipeline polls after `git push`: has the commit
 * reached every cluster its bundles target (synced, or synced and healthy)? The commit may be
 * a fleet repository's or a bundle source repository's; 7 to 40 hex digits.
 */
@Roles('viewer')
@Controller('api/v1/commits')
export class CommitsController {
  constructor(
    private readonly fleet: FleetRepoService,
    private readonly status: StatusService,
    private readonly rollouts: RolloutStore,
    private readonly scope: ScopeService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Get(':commit')
  async progress(
    @CurrentPrincipal() principal: Principal,
    @Param('commit') given: string,
    @Query(new ZodValidationPipe(CommitQuery)) query: CommitQuery,
  ): Promise<CommitProgress> {
    if (!/^[0-9a-f]{7,40}$/.test(given)) throw invalidArgument('commit must be 7 to 40 lowercase hex digits');
    // This replica's fleet first, then the stored one: a commit being taken in (stored, not yet
    // served here) shows as a difference, and the answer waits rather than guess.
    const accepted = await this.fleet.current();
    const repos = await this.fleet.states();
    const settling = repos.some((r) => r.commit !== (accepted?.commits[r.name] ?? null));
    const [scope, pins, rollouts] = await Promise.all([this.scope.filterFor(principal), this.rollouts.pins(), this.rollouts.summaries()]);
    const specs = (accepted?.bundles ?? []).filter((b) => scope.canSeeBundle(b.name));
    const known = [...specs.map((b) => b.source.commit), ...repos.flatMap((r) => [r.commit, r.rejected?.commit ?? null])];
    const commit = completeCommit(
      given,
      known.filter((c): c is string => c !== null),
    );
    if (typeof commit !== 'string') throw invalidArgument(`commit ${given} is ambiguous: ${commit.ambiguous.join(', ')}`);

    const pinOf = new Map(pins.map((p) => [p.bundle, p.commit]));
    const atCommit = specs.some((b) => b.source.commit === commit);
    const rejected = repos.find((r) => r.rejected?.commit === commit);
    const acceptedIn = !atCommit && commit.length === 40 ? await this.acceptedIn(commit, repos) : null;
    const facts: CommitFacts = {
      commit,
      for: query.for ?? 'synced',
      settling: settling || acceptedIn === 'settling',
      named: query.bundle === undefined ? undefined : [query.bundle].flat(),
      bundles: specs.map((b) => ({
        name: b.name,
        sourceCommit: b.source.commit,
        targetCommit: sourceCommitOfTargets(b.source),
        pin: pinOf.get(b.name) ?? null,
        rollout: rollouts.get(b.name)?.state ?? null,
      })),
      rejectedIn: rejected === undefined ? null : { repo: rejected.name, errors: rejected.rejected!.errors },
      acceptedIn: acceptedIn === 'settling' ? null : acceptedIn,
      serving: repos.map((r) => ({ repo: r.name, commit: r.commit })),
    };
    const scoped = commitScope(facts);
    if ('answer' in scoped) return scoped.answer;

    const tally = new CommitTally(scoped.waitFor, facts.for, query.limit ?? DEFAULT_COMMIT_LIMIT);
    // Bundles are waited for only when the served fleet has some at the commit: there is one.
    await this.count(tally, scope, placementFleet(accepted!), {
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      rollouts,
      now: Date.now(),
    });
    const messages = await this.status.failureMessages(tally.failuresToQuote());
    return commitProgress(facts, tally.result(messages));
  }

  /**
   * Every active cluster the principal may see, walked along the name index a chunk at a time,
   * each with only its TargetSet's commits and statuses of the bundles waited for (aggregated
   * in PostgreSQL, no entity built): each cluster that such a bundle targets now is counted, and
   * memory follows a chunk and the listing's limit, not the fleet.
   */
  private async count(tally: CommitTally, scope: ScopeFilter, fleet: PlacementFleet, ctx: ViewContext): Promise<void> {
    const bundles = tally.bundles.map((b) => fleet.bundles.find((spec) => spec.name === b.name)!);
    const { heardSince } = placementQuery(ctx);
    for await (const chunk of keysetChunks(
      (after, limit) => this.status.clusterBundles({ heardSince, bundles: bundles.map((b) => b.name), after, limit }),
      (c) => c.name,
      undefined,
      FLEET_CHUNK,
    )) {
      for (const c of chunk) {
        if (!scope.canSeeCluster(c)) continue;
        bundles.forEach((bundle, i) => {
          if (selectingTarget(bundle, c, fleet.groups) === undefined) return;
          const targetCommit = c.targetCommits.get(bundle.name);
          const reported = c.reported.get(bundle.name) ?? null;
          const facts = {
            bundle: bundle.name,
            reachable: c.reachable,
            admitted: isAdmitted(ctx.rollouts.get(bundle.name), c.clusterId),
            reported,
          };
          tally.add(i, {
            clusterId: c.clusterId,
            name: c.name,
            reachable: c.reachable,
            row: targetCommit === undefined ? undefined : placementRow({ ...facts, targetCommit }, ctx),
          });
        });
      }
    }
  }

  /**
   * The fleet repository that accepted this commit, if one did: it still serves it, or has moved
   * on — or is taking it in right now (accepted since `repos` was read), which is no verdict.
   */
  private async acceptedIn(
    commit: string,
    repos: { name: string; commit: string | null }[],
  ): Promise<{ repo: string; current: boolean } | 'settling' | null> {
    for (const repo of repos) {
      if (repo.commit === commit) return { repo: repo.name, current: true };
      if ((await this.fleet.bundlesAt(repo.name, commit)) === null) continue;
      const now = (await this.fleet.states()).find((r) => r.name === repo.name);
      return now?.commit === repo.commit ? { repo: repo.name, current: false } : 'settling';
    }
    return null;
  }
}
