import { loadHubConfig } from './config/hub-config';
import { startHub } from './hub';

/** Runs the hub from the environment until SIGINT/SIGTERM, then shuts down gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadHubConfig(process.env);
  } catch (error) {
    console.error(`gitfleet hub: invalid configuration: ${(error as Error).message}`);
    process.exit(2);
  }
  const hub = await startHub(config);
  console.log(`gitfleet hub: HTTP ${hub.httpUrl}  gRPC ${hub.grpcAddress}`);

  const shutdown = (signal: string) => {
    console.log(`gitfleet hub: ${signal}, shutting down`);
    hub.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('gitfleet hub: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('gitfleet hub: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
