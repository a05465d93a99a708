import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { RolloutStore, type StoredRollout } from './rollout-store';
import { RolloutActionError, RolloutService } from './rollout.service';

/** GET /api/v1/rollouts[/:bundle] item. */
export interface RolloutView {
  bundle: string;
  revision: string;
  commit: string;
  state: StoredRollout['state'];
  paused: boolean;
  halt: StoredRollout['halt'];
  startedAt: string;
  updatedAt: string;
  partitions: {
    name: string;
    state: StoredRollout['partitions'][number]['state'];
    maxUnavailable: number;
    clusters: { name: string; state: StoredRollout['partitions'][number]['clusters'][number]['state'] }[];
  }[];
}

export interface PinView {
  bundle: string;
  commit: string;
  pinnedAt: string;
}

const ERROR_STATUS: Record<RolloutActionError['code'], HttpStatus> = {
  bundle_not_found: HttpStatus.NOT_FOUND,
  rollout_not_found: HttpStatus.NOT_FOUND,
  commit_not_found: HttpStatus.UNPROCESSABLE_ENTITY,
  invalid_commit: HttpStatus.BAD_REQUEST,
};

/** Rollouts (progress, pause, resume) and pins (rollback). */
@Controller('api/v1')
export class RolloutController {
  constructor(
    private readonly rollouts: RolloutService,
    private readonly store: RolloutStore,
  ) {}

  @Get('rollouts')
  async list(): Promise<{ items: RolloutView[] }> {
    const stored = await this.store.rollouts();
    return { items: [...stored.values()].sort((a, b) => (a.bundle < b.bundle ? -1 : 1)).map(rolloutView) };
  }

  @Get('rollouts/:bundle')
  async get(@Param('bundle') bundle: string): Promise<RolloutView> {
    const rollout = (await this.store.rollouts()).get(bundle);
    if (rollout === undefined) throw new NotFoundException({ code: 'rollout_not_found', message: `bundle "${bundle.slice(0, 63)}" has no rollout` });
    return rolloutView(rollout);
  }

  @Post('rollouts/:bundle/pause')
  @HttpCode(200)
  async pause(@Param('bundle') bundle: string): Promise<RolloutView> {
    await refused(this.rollouts.pause(bundle));
    return this.get(bundle);
  }

  @Post('rollouts/:bundle/resume')
  @HttpCode(200)
  async resume(@Param('bundle') bundle: string): Promise<RolloutView> {
    await refused(this.rollouts.resume(bundle));
    return this.get(bundle);
  }

  @Get('pins')
  async pins(): Promise<{ items: PinView[] }> {
    return { items: (await this.store.pins()).map((p) => ({ bundle: p.bundle, commit: p.commit, pinnedAt: p.pinnedAt.toISOString() })) };
  }

  @Post('bundles/:name/pin')
  @HttpCode(200)
  async pin(@Param('name') name: string, @Body() body: unknown): Promise<PinView> {
    const commit = (body as { commit?: unknown } | undefined)?.commit;
    if (typeof commit !== 'string') throw new HttpException({ code: 'bad_request', message: 'body must be {"commit": "<40-hex SHA>"}' }, HttpStatus.BAD_REQUEST);
    await refused(this.rollouts.pin(name, commit));
    const pin = (await this.store.pins()).find((p) => p.bundle === name)!;
    return { bundle: pin.bundle, commit: pin.commit, pinnedAt: pin.pinnedAt.toISOString() };
  }

  @Delete('bundles/:name/pin')
  @HttpCode(204)
  async unpin(@Param('name') name: string): Promise<void> {
    await refused(this.rollouts.unpin(name));
  }
}

async function refused(action: Promise<void>): Promise<void> {
  try {
    await action;
  } catch (error) {
    if (error instanceof RolloutActionError) throw new HttpException({ code: error.code, message: error.message }, ERROR_STATUS[error.code]);
    throw error;
  }
}

function rolloutView(r: StoredRollout): RolloutView {
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
      clusters: p.clusters.map((c) => ({ name: c.name, state: c.state })),
    })),
  };
}
