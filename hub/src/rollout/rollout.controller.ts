import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { pageOf } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import {
  DEFAULT_ROLLOUT_CLUSTERS,
  KeyPageQuery,
  PinRequest,
  RolloutListQuery,
  RolloutQuery,
  type Page,
  type PinView,
  type RolloutView,
} from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ScopeService } from '../auth/scope.service';
import { RolloutStore, type ListedRollout } from './rollout-store';
import { RolloutActionError, RolloutService } from './rollout.service';

export type { PinView, RolloutView };

const ERROR_STATUS: Record<RolloutActionError['code'], HttpStatus> = {
  bundle_not_found: HttpStatus.NOT_FOUND,
  rollout_not_found: HttpStatus.NOT_FOUND,
  commit_not_found: HttpStatus.UNPROCESSABLE_ENTITY,
  invalid_commit: HttpStatus.BAD_REQUEST,
};

/** Rollouts (progress, pause, resume) and pins (rollback); a scoped token sees and steers its own bundles only. */
@Roles('viewer')
@Controller('api/v1')
export class RolloutController {
  constructor(
    private readonly rollouts: RolloutService,
    private readonly store: RolloutStore,
    private readonly scope: ScopeService,
  ) {}

  /** Filter: `state`; `clusters` (the most listed per rollout); `limit`, `cursor`. */
  @Get('rollouts')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(RolloutListQuery)) query: RolloutListQuery,
  ): Promise<Page<RolloutView>> {
    const { state } = query;
    const [heads, visible] = await Promise.all([this.store.heads(), this.scope.namesVisibleTo(principal)]);
    const page = pageOf(
      heads.filter((r) => visible.bundle(r.bundle) && (state === undefined || r.state === state)),
      (r) => r.bundle,
      query,
    );
    // Read again with their partitions, each rollout in one snapshot; in the page's order.
    const listed = await this.store.listed(
      page.items.map((r) => r.bundle),
      visible.clusterNames,
      query.clusters ?? DEFAULT_ROLLOUT_CLUSTERS,
    );
    const byBundle = new Map(listed.map((r) => [r.bundle, r]));
    // A rollout gone between the two reads is left out.
    const items = page.items.flatMap((r) => {
      const found = byBundle.get(r.bundle);
      return found === undefined ? [] : [rolloutView(found)];
    });
    return { ...page, items };
  }

  /** `clusters`: the most listed, over all partitions. */
  @Get('rollouts/:bundle')
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('bundle') bundle: string,
    @Query(new ZodValidationPipe(RolloutQuery)) query: RolloutQuery,
  ): Promise<RolloutView> {
    const visible = await this.scope.namesVisibleTo(principal);
    const [rollout] = visible.bundle(bundle)
      ? await this.store.listed([bundle], visible.clusterNames, query.clusters ?? DEFAULT_ROLLOUT_CLUSTERS)
      : [];
    if (rollout === undefined)
      throw new NotFoundException({ code: 'rollout_not_found', message: `bundle "${bundle.slice(0, 63)}" has no rollout` });
    return rolloutView(rollout);
  }

  @Post('rollouts/:bundle/pause')
  @Roles('operator')
  @HttpCode(200)
  async pause(
    @CurrentPrincipal() principal: Principal,
    @Param('bundle') bundle: string,
    @Query(new ZodValidationPipe(RolloutQuery)) query: RolloutQuery,
  ): Promise<RolloutView> {
    await this.scope.controllableBundle(principal, bundle);
    await refused(this.rollouts.pause(bundle));
    return this.get(principal, bundle, query);
  }

  @Post('rollouts/:bundle/resume')
  @Roles('operator')
  @HttpCode(200)
  async resume(
    @CurrentPrincipal() principal: Principal,
    @Param('bundle') bundle: string,
    @Query(new ZodValidationPipe(RolloutQuery)) query: RolloutQuery,
  ): Promise<RolloutView> {
    await this.scope.controllableBundle(principal, bundle);
    await refused(this.rollouts.resume(bundle));
    return this.get(principal, bundle, query);
  }

  @Get('pins')
  async pins(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(KeyPageQuery)) query: KeyPageQuery,
  ): Promise<Page<PinView>> {
    const [pins, visible] = await Promise.all([this.store.pins(), this.scope.namesVisibleTo(principal)]);
    const items = pins
      .filter((p) => visible.bundle(p.bundle))
      .map((p) => ({ bundle: p.bundle, commit: p.commit, pinnedAt: p.pinnedAt.toISOString() }));
    return pageOf(items, (p) => p.bundle, query);
  }

  @Post('bundles/:name/pin')
  @Roles('operator')
  @HttpCode(200)
  async pin(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body(new ZodValidationPipe(PinRequest)) { commit }: PinRequest,
  ): Promise<PinView> {
    await this.scope.controllableBundle(principal, name);
    await refused(this.rollouts.pin(name, commit));
    const pin = (await this.store.pins()).find((p) => p.bundle === name)!;
    return { bundle: pin.bundle, commit: pin.commit, pinnedAt: pin.pinnedAt.toISOString() };
  }

  @Delete('bundles/:name/pin')
  @Roles('operator')
  @HttpCode(204)
  async unpin(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<void> {
    await this.scope.controllableBundle(principal, name);
    await refused(this.rollouts.unpin(name));
  }
}

async function refused(action: Promise<void>): Promise<void> {
  try {
    await action;
  } catch (error) {
    if (error instanceof RolloutActionError)
      throw new HttpException({ code: error.code, message: error.message }, ERROR_STATUS[error.code]);
    throw error;
  }
}

/**
 * Partitions as counted and listed in PostgreSQL (RolloutStore.listed); under a cluster-group
 * scope only the caller's clusters are counted and listed.
 */
function rolloutView(r: ListedRollout): RolloutView {
  return {
    bundle: r.bundle,
    revision: r.revision,
    commit: r.commit,
    state: r.state,
    paused: r.paused,
    halt: r.halt,
    startedAt: r.startedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    partitions: r.partitions,
  };
}
