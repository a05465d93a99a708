import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every series the hub exposes, in a registry of its own (several hubs may share a process in
 * tests). Labels are bounded: phase, health, state, result, and bundle or fleet repository
 * names (a few hundred at most, from the fleet repository) — never cluster names, which grow
 * with the fleet; per-cluster detail is in the API and the event log.
 */
export class FleetMetrics {
  readonly registry = new Registry();

  readonly agentsConnected = new Gauge({
    name: 'gitfleet_agents_connected',
    help: 'Agent sessions open on this hub replica',
    registers: [this.registry],
  });
  readonly clusters = new Gauge({
    name: 'gitfleet_clusters',
    help: 'Registered clusters by state (pending, active, revoked) and connectivity (connected, unreachable)',
    labelNames: ['state', 'connectivity'] as const,
    registers: [this.registry],
  });
  readonly bundlePhase = new Gauge({
    name: 'gitfleet_bundle_status_phase',
    help: 'Bundle statuses (one per bundle and cluster) by the phase last reported',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly bundleHealth = new Gauge({
    name: 'gitfleet_bundle_status_health',
    help: 'Bundle statuses (one per bundle and cluster) by the health last reported',
    labelNames: ['health'] as const,
    registers: [this.registry],
  });
  readonly driftedResources = new Gauge({
    name: 'gitfleet_drifted_resources',
    help: 'Resources drifted from the fleet, over every current bundle status',
    registers: [this.registry],
  });
  readonly rollouts = new Gauge({
    name: 'gitfleet_rollouts',
    help: 'Bundle rollouts by state (progressing, done, halted, paused)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly syncDuration = new Histogram({
    name: 'gitfleet_sync_duration_seconds',
    help: 'Agent sync duration (report observed_at - sync_started_at) by result (synced, failed)',
    labelNames: ['result'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly syncFailures = new Counter({
    name: 'gitfleet_sync_failures_total',
    help: 'Syncs reported failed, by bundle',
    labelNames: ['bundle'] as const,
    registers: [this.registry],
  });
  readonly writeBatchSize = new Histogram({
    name: 'gitfleet_status_write_batch_size',
    help: 'Reports per status write batch',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
    registers: [this.registry],
  });
  readonly writeBatches = new Counter({
    name: 'gitfleet_status_write_batches_total',
    help: 'Status write batches committed',
    registers: [this.registry],
  });
  readonly reportQueueDepth = new Gauge({
    name: 'gitfleet_report_queue_depth',
    help: 'Status reports received by this replica and not yet stored',
    registers: [this.registry],
  });
  readonly fanout = new Histogram({
    name: 'gitfleet_targetset_fanout_seconds',
    help: 'Time from a fleet commit accepted to its TargetSets pushed to connected sessions',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly fleetFetchDuration = new Histogram({
    name: 'gitfleet_fleet_fetch_duration_seconds',
    help: 'git fetch of a fleet repository branch, by fleet repository',
    labelNames: ['repo'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly fleetRepoState = new Gauge({
    name: 'gitfleet_fleet_repo_state',
    help: 'Fleet repositories by state: 1 for the state each is in (ok, rejected: its newest commit is refused, unreachable: fetching fails, pending: nothing accepted yet), 0 for the others',
    labelNames: ['repo', 'state'] as const,
    registers: [this.registry],
  });
  readonly fleetFetchErrors = new Counter({
    name: 'gitfleet_fleet_fetch_errors_total',
    help: 'Failed fetches of a fleet repository, by fleet repository',
    labelNames: ['repo'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
