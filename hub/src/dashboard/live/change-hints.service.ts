import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ClusterReads, type ClusterPresence } from '../../clusters/cluster-reads.service';
import { ClustersService } from '../../clusters/clusters.service';
import { connectivityOf, lastSeenFlushMs } from '../../clusters/connectivity';
import { HUB_CONFIG } from '../../config/config.module';
import type { HubConfig } from '../../config/hub-config';
import { Listeners } from '../../events/listeners';
import { LOGGER, type Logger } from '../../logging/logger';
import { PlacementService } from '../../placement/placement.service';
import { StatusService } from '../../status/status.service';
import { presenceChanges, type ChangeHint, type ClusterAppearance } from './change-hint';

/** What a scope check needs to know about a cluster named in a hint. */
export interface HintCluster {
  name: string;
  labels: Record<string, string>;
}

/** A hint with the clusters it names resolved, so that each stream can drop what its token may not see. */
export interface ResolvedHint extends ChangeHint {
  clusterDetails: HintCluster[];
}

/**
 * The changes a dashboard cares about, from the modules that make them: new status (reports),
 * new targets (placement), registrations, and connectivity. Connectivity has no event of its
 * own — a cluster becomes unreachable by staying silent — so while anyone listens, cluster
 * presence is re-read at the cadence "last seen" is written and compared with the last look.
 */
@Injectable()
export class ChangeHintsService implements OnModuleInit, OnApplicationShutdown {
  private readonly listeners: Listeners<ResolvedHint>;
  /** Clusters by id and by name, refreshed at every look and registration. */
  private readonly known = new Map<string, HintCluster>();
  private readonly named = new Map<string, HintCluster>();
  private presence = new Map<string, ClusterAppearance>();
  private watchTimer: NodeJS.Timeout | undefined;
  private listening = 0;
  private readonly log: Logger;

  constructor(
    private readonly clusters: ClustersService,
    private readonly clusterReads: ClusterReads,
    private readonly placement: PlacementService,
    private readonly status: StatusService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ module: 'dashboard' });
    this.listeners = new Listeners((error) => this.log.warn({ err: error }, 'sending a change hint failed'));
  }

  onModuleInit(): void {
    this.status.changed.add((changes) =>
      this.publish(
        changes.map((c) => c.clusterId),
        changes.map((c) => c.bundle),
      ),
    );
    this.placement.changed.add((changes) =>
      this.publish(
        changes.map((c) => c.clusterId),
        [],
      ),
    );
    this.clusters.registered.add(({ clusterId, name, labels }) => {
      this.remember(clusterId, { name, labels });
      return this.publish([clusterId], []);
    });
    this.clusters.credentialInvalidated.add(({ clusterId }) => this.publish([clusterId], []));
  }

  onApplicationShutdown(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Listens until the returned function is called. */
  subscribe(listener: (hint: ResolvedHint) => void): () => void {
    const remove = this.listeners.add(listener);
    this.listening++;
    if (this.listening === 1) this.startWatching();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      this.listening--;
      if (this.listening === 0) this.stopWatching();
    };
  }

  /** Name and labels of a cluster seen by the last look (scope checks of fleet events). */
  clusterNamed(name: string): HintCluster | undefined {
    return this.named.get(name);
  }

  private remember(id: string, cluster: HintCluster): void {
    this.known.set(id, cluster);
    this.named.set(cluster.name, cluster);
  }

  private async publish(clusterIds: string[], bundles: string[]): Promise<void> {
    if (this.listening === 0) return;
    if (clusterIds.some((id) => !this.known.has(id))) await this.readClusters();
    const clusterDetails = [...new Set(clusterIds)].flatMap((id) => {
      const known = this.known.get(id);
      return known === undefined ? [] : [known];
    });
    await this.listeners.emit({
      clusters: [...new Set(clusterDetails.map((c) => c.name))].sort(),
      bundles: [...new Set(bundles)].sort(),
      clusterDetails,
    });
  }

  private startWatching(): void {
    void this.lookAtClusters(false);
    this.watchTimer = setInterval(() => void this.lookAtClusters(true), lastSeenFlushMs(this.config.heartbeatIntervalMs));
    this.watchTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    this.presence = new Map();
  }

  /** Re-reads every cluster; with `announce`, clusters whose state or connectivity changed are hinted. */
  private async lookAtClusters(announce: boolean): Promise<void> {
    const rows = await this.readClusters();
    if (rows === undefined) return;
    const now = Date.now();
    const next = new Map<string, ClusterAppearance>();
    for (const c of rows)
      next.set(c.id, { name: c.name, presence: `${c.state}/${connectivityOf(c, this.config.heartbeatIntervalMs, now)}` });
    const changed = presenceChanges(this.presence, next);
    this.presence = next;
    if (!announce || changed.length === 0 || this.listening === 0) return;
    await this.listeners.emit({ clusters: changed, bundles: [], clusterDetails: changed.flatMap((n) => this.named.get(n) ?? []) });
  }

  private async readClusters(): Promise<ClusterPresence[] | undefined> {
    try {
      const rows = await this.clusterReads.presence();
      for (const c of rows) this.remember(c.id, { name: c.name, labels: c.labels });
      return rows;
    } catch (error) {
      this.log.warn({ err: error }, 'reading clusters for live updates failed');
      return undefined;
    }
  }
}
