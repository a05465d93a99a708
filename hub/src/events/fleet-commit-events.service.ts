import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LOGGER, type Logger } from '../logging/logger';
import type { FleetEventDraft } from './fleet-event';
import { FleetEventsService } from './fleet-events.service';

/**
 * fleet.commit.accepted / fleet.commit.rejected / fleet.commit.restored, fleet.fetch.failed / fleet.fetch.recovered. Every hub replica follows every fleet
 * repository and reaches the same verdict, and a rejected head is re-examined on every poll,
 * so an event is recorded only if the same verdict on the same content is not in the log yet.
 */
@Injectable()
export class FleetCommitEvents {
  private readonly log: Logger;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: FleetEventsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'events' });
  }

  /** `bundles` as `name@sourceCommit`: a moved source branch re-accepts the same fleet commit. */
  accepted(fleetRepo: string, commit: string, bundles: string[]): void {
    this.recordOnce({
      type: 'fleet.commit.accepted',
      severity: 'info',
      cluster: null,
      bundle: null,
      commit,
      message: `fleet repository ${fleetRepo} at ${commit.slice(0, 12)} accepted (${bundles.length} bundle${bundles.length === 1 ? '' : 's'})`,
      details: { fleetRepo, bundles, key: bundles.join(',') },
    });
  }

  rejected(fleetRepo: string, commit: string, errors: string[]): void {
    this.recordOnce({
      type: 'fleet.commit.rejected',
      severity: 'error',
      cluster: null,
      bundle: null,
      commit,
      message: `fleet repository ${fleetRepo} at ${commit.slice(0, 12)} rejected: ${errors[0] ?? 'invalid'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
      details: { fleetRepo, errors: errors.slice(0, 20), key: errors.join('\n').slice(0, 2000) },
    });
  }

  /** The head went back to the commit served: the rejection of `rejected` no longer stands. */
  restored(fleetRepo: string, commit: string, rejected: string): void {
    this.recordOnce({
      type: 'fleet.commit.restored',
      severity: 'info',
      cluster: null,
      bundle: null,
      commit,
      message: `fleet repository ${fleetRepo} is back at ${commit.slice(0, 12)}; the rejected ${rejected.slice(0, 12)} is no longer its head`,
      details: { fleetRepo, rejected, key: rejected },
    });
  }

  /** Fetching the repository started failing (after working, or since the hub started). */
  fetchFailed(fleetRepo: string, message: string): void {
    this.recordTransition({
      type: 'fleet.fetch.failed',
      severity: 'error',
      cluster: null,
      bundle: null,
      commit: null,
      message: `fleet repository ${fleetRepo} cannot be fetched; the clusters keep its last good commit: ${message}`,
      details: { fleetRepo, cause: message.slice(0, 1000) },
    });
  }

  fetchRecovered(fleetRepo: string, failingSince: string): void {
    this.recordTransition({
      type: 'fleet.fetch.recovered',
      severity: 'info',
      cluster: null,
      bundle: null,
      commit: null,
      message: `fleet repository ${fleetRepo} is fetched again (it failed since ${failingSince})`,
      details: { fleetRepo, failingSince },
    });
  }

  /**
   * fleet.fetch.failed and fleet.fetch.recovered alternate: every replica sees the same
   * failure, so an event is recorded only if the repository's last fetch event is the other one.
   */
  private recordTransition(draft: FleetEventDraft): void {
    void (async () => {
      const last: { type: string }[] = await this.db.query(
        `SELECT type FROM fleet_event WHERE type IN ('fleet.fetch.failed', 'fleet.fetch.recovered') AND details->>'fleetRepo' = $1
         ORDER BY fleet_event.id DESC LIMIT 1`,
        [draft.details.fleetRepo],
      );
      // Nothing failed before: a first success is not a recovery.
      if (last[0]?.type === draft.type || (last.length === 0 && draft.type === 'fleet.fetch.recovered')) return;
      await this.events.record(draft);
    })().catch((error: unknown) => this.log.error({ err: error, event: draft.type }, 'recording a fleet fetch event failed'));
  }

  private recordOnce(draft: FleetEventDraft): void {
    void (async () => {
      const seen: unknown[] = await this.db.query(
        `SELECT 1 FROM fleet_event WHERE type = $1 AND commit = $2 AND details->>'fleetRepo' = $3 AND details->>'key' = $4 LIMIT 1`,
        [draft.type, draft.commit, draft.details.fleetRepo, draft.details.key],
      );
      if (seen.length === 0) await this.events.record(draft);
    })().catch((error: unknown) =>
      this.log.error({ err: error, event: draft.type, commit: draft.commit }, 'recording a fleet commit event failed'),
    );
  }
}
