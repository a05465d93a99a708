import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { CommitQuery, type CommitProgress } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ScopeService } from '../auth/scope.service';
import { ClustersService } from '../clusters/clusters.service';
import { connectivityOf } from '../clusters/connectivity';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/hub-config';
import { FleetRepoService } from '../fleet-repo/fleet-repo.service';
import { PlacementService, placementFleet } from '../placement/placement.service';
import { TargetSetStore } from '../placement/target-set-store';
import { RolloutStore } from '../rollout/rollout-store';
import { isReachable } from '../status/phase';
import { StatusService } from '../status/status.service';
import { commitProgress, completeCommit, type CommitBundleFacts } from './commit-progress';
import { invalidArgument } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import { clusterView, statusesByCluster } from './views';

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
    private readonly clusters: ClustersService,
    private readonly placement: PlacementService,
    private readonly targetSets: TargetSetStore,
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
    const [scope, active, targetSets, statuses, pins, rollouts] = await Promise.all([
      this.scope.filterFor(principal),
      this.clusters.listActive(),
      this.targetSets.all(),
      this.status.all(),
      this.rollouts.pins(),
      this.rollouts.rollouts(),
    ]);
    const specs = (accepted?.bundles ?? []).filter((b) => scope.canSeeBundle(b.name));
    const known = [...specs.map((b) => b.source.commit), ...repos.flatMap((r) => [r.commit, r.rejected?.commit ?? null])];
    const commit = completeCommit(
      given,
      known.filter((c): c is string => c !== null),
    );
    if (typeof commit !== 'string') throw invalidArgument(`commit ${given} is ambiguous: ${commit.ambiguous.join(', ')}`);

    const visible = active.filter((c) => scope.canSeeCluster(c));
    const desired =
      accepted === null ? new Map<string, { bundle: string }[]>() : this.placement.desiredTargets(visible, placementFleet(accepted));
    const targetSetOf = new Map(targetSets.map((t) => [t.clusterId, t]));
    const statusesOf = statusesByCluster(statuses);
    const ctx = { heartbeatIntervalMs: this.config.heartbeatIntervalMs, rollouts, now: Date.now() };
    const views = new Map(visible.map((c) => [c.id, clusterView(c, targetSetOf.get(c.id), statusesOf.get(c.id) ?? [], ctx)]));
    const pinOf = new Map(pins.map((p) => [p.bundle, p.commit]));
    const atCommit = specs.filter((b) => b.source.commit === commit).map((b) => b.name);
    const messages = await this.failureMessages(atCommit, commit);

    const bundles: CommitBundleFacts[] = specs.map((b) => ({
      name: b.name,
      sourceCommit: b.source.commit,
      pin: pinOf.get(b.name) ?? null,
      rollout: rollouts.get(b.name)?.state ?? null,
      clusters: visible
        .filter((c) => desired.get(c.id)?.some((t) => t.bundle === b.name))
        .map((c) => ({
          name: c.name,
          reachable: isReachable(c, connectivityOf(c, this.config.heartbeatIntervalMs, ctx.now)),
          row: views.get(c.id)?.bundles.find((row) => row.bundle === b.name),
          message: messages.get(`${c.id}/${b.name}`) ?? '',
        })),
    }));
    const named = query.bundle === undefined ? undefined : [query.bundle].flat();
    const rejected = repos.find((r) => r.rejected?.commit === commit);
    const acceptedIn = atCommit.length === 0 && commit.length === 40 ? await this.acceptedIn(commit, repos) : null;
    return commitProgress({
      commit,
      for: query.for ?? 'synced',
      settling: settling || acceptedIn === 'settling',
      named,
      bundles,
      rejectedIn: rejected === undefined ? null : { repo: rejected.name, errors: rejected.rejected!.errors },
      acceptedIn: acceptedIn === 'settling' ? null : acceptedIn,
      serving: repos.map((r) => ({ repo: r.name, commit: r.commit })),
    });
  }

  /** The agents' messages of the bundles at the commit, for the clusters where they failed. */
  private async failureMessages(bundles: string[], commit: string): Promise<Map<string, string>> {
    const rows = (await Promise.all(bundles.map((b) => this.status.ofBundle(b)))).flat();
    return new Map(rows.filter((s) => s.commit === commit && s.phase === 'failed').map((s) => [`${s.clusterId}/${s.bundle}`, s.message]));
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
