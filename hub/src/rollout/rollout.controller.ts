import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { pageOf } from '../http/list-query';
import { ZodValidationPipe } from '../http/validation.pipe';
import { KeyPageQuery, PinRequest, RolloutListQuery, type Page, type PinView, type RolloutView } from '../api-contract';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { ScopeService, type VisibleNames } from '../auth/scope.service';
import { RolloutStore, type StoredRollout } from './rollout-store';
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

  /** Filter: `state`; `limit`, `cursor`. */
  @Get('rollouts')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(RolloutListQuery)) query: RolloutListQuery,
  ): Promise<Page<RolloutView>> {
    const { state } = query;
    const [stored, visible] = await Promise.all([this.store.rollouts(), this.scope.namesVisibleTo(principal)]);
    const items = [...stored.values()]
      .filter((r) => visible.bundle(r.bundle) && (state === undefined || r.state === state))
      .map((r) => rolloutView(r, visible));
    return pageOf(items, (r) => r.bundle, query);
  }

  @Get('rollouts/:bundle')
  async get(@CurrentPrincipal() principal: Principal, @Param('bundle') bundle: string): Promise<RolloutView> {
    const [rollout, visible] = await Promise.all([
      this.store.rollouts().then((all) => all.get(bundle)),
      this.scope.namesVisibleTo(principal),
    ]);
    if (rollout === undefined || !visible.bundle(bundle))
      throw new NotFoundException({ code: 'rollout_not_found', message: `bundle "${bundle.slice(0, 63)}" has no rollout` });
    return rolloutView(rollout, visible);
  }

  @Post('rollouts/:bundle/pause')
  @Roles('operator')
  @HttpCode(200)
  async pause(@CurrentPrincipal() principal: Principal, @Param('bundle') bundle: string): Promise<RolloutView> {
    await this.scope.controllableBundle(principal, bundle);
    await refused(this.rollouts.pause(bundle));
    return this.get(principal, bundle);
  }

  @Post('rollouts/:bundle/resume')
  @Roles('operator')
  @HttpCode(200)
  async resume(@CurrentPrincipal() principal: Principal, @Param('bundle') bundle: string): Promise<RolloutView> {
    await this.scope.controllableBundle(principal, bundle);
    await refused(this.rollouts.resume(bundle));
    return this.get(principal, bundle);
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

/** Under a cluster-group scope, partitions list the caller's clusters only. */
function rolloutView(r: StoredRollout, visible: VisibleNames): RolloutView {
  return {
    bundle: r.bundle,
    revision: r.revision,
    commit: r.commit,
    state: r.state,
    paused: r.paused,
    halt: r.halt,
    startedAt: r.startedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    partitions: r.partitions.map((p) => ({
      name: p.name,
      state: p.state,
      maxUnavailable: p.maxUnavailable,
      clusters: p.clusters.filter((c) => visible.cluster(c.name)).map((c) => ({ name: c.name, state: c.state })),
    })),
  };
}
