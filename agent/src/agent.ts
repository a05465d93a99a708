import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { completeAgentConfig, type AgentConfig } from './config';
import { Engine, type EngineOptions } from './engine/engine';
import { loadKubeConfig, ObjectClient } from './kube/object-client';
import { ClusterTargetSetStore } from './engine/cluster-target-set-store';
import { startHealthEndpoint, type HealthEndpoint, type Readiness } from './health-endpoint';
import { HubChannel } from './link/fleet-client';
import type { CredentialRejection } from './link/credential-rejection';
import { FleetLink } from './link/fleet-link';
import { createLogger, type Logger } from './logger';
import { CredentialSecret } from './registration/credential-secret';
import { CertificateRenewal } from './registration/certificate-renewal';
import { obtainIdentity, type Identity } from './registration/registration';
import { Reporter } from './report/reporter';
import { ArtifactCache } from './source/artifact-cache';
import { GitCache } from './source/git-cache';

export interface RunningAgent {
  /** The cluster id the hub gave this agent; resolves once registered (rejects if stopped first). */
  readonly clusterId: Promise<string>;
  /** http://host:port of the probe endpoint (`health` in the config), else undefined. */
  readonly healthUrl: string | undefined;
  /** Stops syncing and disconnects; waits for syncs in progress to finish. */
  stop(): Promise<void>;
}

export interface AgentExtras {
  /** A logger to use instead of one built from `logLevel` (tests capture logs with it). */
  logger?: Logger;
  /** Engine settings to use instead of the defaults (tests shorten the waits and lower the limits). */
  engine?: Partial<Pick<EngineOptions, 'resyncIntervalMs' | 'retryBackoff' | 'concurrency' | 'limits'>>;
}

/**
 * Starts an agent: the engine at once (so that it can go on from a stored TargetSet while the
 * hub is away — issue 4), then registration and the link in the background. Resolves once
 * everything is wired; `clusterId` tells when registration is done.
 */
export async function startAgent(
  partial: Partial<AgentConfig> & Pick<AgentConfig, 'hubAddress' | 'clusterName'>,
  extras: AgentExtras = {},
): Promise<RunningAgent> {
  const config = completeAgentConfig(partial);
  const logger = (extras.logger ?? createLogger(config.logLevel)).child({ cluster: config.clusterName });
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const objects = ObjectClient.fromKubeConfig(kubeConfig);
  await mkdir(config.cacheDir, { recursive: true });

  const channel = new HubChannel(config.hubAddress, config.hubTls);
  const secret = new CredentialSecret(core, config.namespace);
  const engine: Engine = new Engine({
    cache: new GitCache(config.cacheDir),
    // Sources the hub packed come from it over the link's channel; the agent needs no Git access for them.
    artifacts: new ArtifactCache(join(config.cacheDir, 'artifacts'), { fetchArtifact: (digest) => link.fetchArtifact(digest) }),
    client: objects,
    store: new ClusterTargetSetStore(objects, config.namespace),
    namespace: config.namespace,
    logger,
    onResult: (result) => reporter.publish(result),
    ...(config.policy ? { policy: config.policy } : {}),
    ...extras.engine,
  });
  const abort = new AbortController();
  const identify = (bootstrapToken: string | undefined) =>
    obtainIdentity({
      core,
      client: channel.plain,
      namespace: config.namespace,
      clusterName: config.clusterName,
      clusterLabels: config.clusterLabels,
      ...(bootstrapToken === undefined ? {} : { bootstrapToken }),
      logger,
      signal: abort.signal,
    });
  // A rotated credential or a hub that forgot the cluster: register again with the bootstrap
  // token. A revoked cluster must not let itself back in with a shared token: it drops its
  // credential and waits for an operator to give it a new token or credential.
  const registerAgain = async (reason: CredentialRejection) => {
    await secret.clear();
    return tracked(await identify(reason === 'revoked' ? undefined : config.bootstrapToken));
  };
  // Client certificates matter only over TLS: a plaintext link stays with the bearer credential.
  const renewal =
    config.hubTls === undefined
      ? undefined
      : new CertificateRenewal({
          secret,
          clientFor: (certificate) => channel.clientFor(certificate),
          clusterName: config.clusterName,
          logger,
          onRenewed: (identity) => link.useIdentity(identity),
        });
  const tracked = (identity: Identity): Identity => {
    renewal?.track(identity);
    return identity;
  };
  const link = new FleetLink({
    client: channel.plain,
    clientFor: (identity) => channel.clientFor(identity.certificate),
    onUnreachable: () => channel.redial(),
    onCredentialRejected: registerAgain,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    logger,
    handler: {
      heldTargetSet: () => engine.heldTargetSet(),
      takeTargetSet: (targetSet) => engine.takeTargetSet(targetSet),
      runCommand: (command) => {
        if (command.action?.$case === 'syncNow') engine.syncNow(command.action.value.bundle || undefined);
      },
      reportRefused: (report, detail) => reporter.refused(report, detail),
    },
  });
  const reporter = new Reporter(link);
  let registered = false;
  const readiness = (): Readiness => {
    if (link.connected) return { ready: true, reason: 'connected to the hub' };
    if (!registered) return { ready: false, reason: 'not registered: no credential yet' };
    if (engine.heldChecksum() !== '') return { ready: true, reason: 'holds a TargetSet; not connected to the hub' };
    return { ready: false, reason: 'no TargetSet yet and not connected to the hub' };
  };
  let health: HealthEndpoint | undefined;
  try {
    if (config.health) health = await startHealthEndpoint({ ...config.health, readiness });
  } catch (error) {
    channel.close();
    objects.close();
    throw error;
  }
  // A stored TargetSet is reconciled at once, hub or no hub; a cluster that cannot be read
  // yet is not a reason to stop: the hub's TargetSet comes later.
  await engine.start().catch((error: unknown) => logger.warn({ err: error }, 'could not load the stored TargetSet'));

  const clusterId = identify(config.bootstrapToken).then(async (identity) => {
    registered = true;
    tracked(identity);
    // Registered with bearer before the hub had mutual TLS: a certificate first, then Connect with it.
    if (identity.certificate === undefined && renewal !== undefined) await renewal.renewNow();
    link.start(renewal?.current ?? identity);
    return identity.clusterId;
  });
  clusterId.catch(() => {}); // a stop before registration is not an unhandled rejection

  let stopping: Promise<void> | undefined;
  return {
    clusterId,
    healthUrl: health?.url,
    stop: () =>
      (stopping ??= (async () => {
        abort.abort(new Error('agent stopped'));
        await clusterId.catch(() => {});
        renewal?.stop();
        await link.stop();
        await engine.stop();
        channel.close();
        objects.close();
        await health?.close();
        logger.info('agent stopped');
      })()),
  };
}
