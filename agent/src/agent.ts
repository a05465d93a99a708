import { mkdir } from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { completeAgentConfig, type AgentConfig } from './config';
import { Engine } from './engine/engine';
import { loadKubeConfig, ObjectClient } from './engine/object-client';
import { MemoryTargetSetStore } from './engine/target-set-store';
import { createFleetClient } from './link/fleet-client';
import { FleetLink } from './link/fleet-link';
import { createLogger, type Logger } from './logger';
import { obtainIdentity } from './registration/registration';
import { Reporter } from './report/reporter';
import { GitCache } from './source/git-cache';

export interface RunningAgent {
  /** The cluster id the hub gave this agent; resolves once registered (rejects if stopped first). */
  readonly clusterId: Promise<string>;
  /** Stops syncing and disconnects; waits for syncs in progress to finish. */
  stop(): Promise<void>;
}

export interface AgentExtras {
  /** A logger to use instead of one built from `logLevel` (tests capture logs with it). */
  logger?: Logger;
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

  const client = createFleetClient(config.hubAddress);
  const engine: Engine = new Engine({
    cache: new GitCache(config.cacheDir),
    client: objects,
    store: new MemoryTargetSetStore(),
    logger,
    onResult: (result) => reporter.publish(result),
  });
  const link = new FleetLink({
    client,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    logger,
    handler: {
      heldChecksum: () => engine.heldChecksum(),
      takeTargetSet: (targetSet) => engine.takeTargetSet(targetSet),
    },
  });
  const reporter = new Reporter(link);
  await engine.start();

  const abort = new AbortController();
  const clusterId = obtainIdentity({
    core,
    client,
    namespace: config.namespace,
    clusterName: config.clusterName,
    clusterLabels: config.clusterLabels,
    ...(config.bootstrapToken === undefined ? {} : { bootstrapToken: config.bootstrapToken }),
    logger,
    signal: abort.signal,
  }).then((identity) => {
    link.start(identity);
    return identity.clusterId;
  });
  clusterId.catch(() => {}); // a stop before registration is not an unhandled rejection

  let stopping: Promise<void> | undefined;
  return {
    clusterId,
    stop: () =>
      (stopping ??= (async () => {
        abort.abort(new Error('agent stopped'));
        await clusterId.catch(() => {});
        await link.stop();
        await engine.stop();
        client.close();
        logger.info('agent stopped');
      })()),
  };
}
