import { startAgent } from './agent';
import { ConfigError, loadAgentConfig } from './config';

/** The agent process: settings from the environment, graceful stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadAgentConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`gitfleet-agent: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const agent = await startAgent(config);
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      console.error(`gitfleet-agent: second ${signal}, exiting now`);
      process.exit(1);
    }
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('gitfleet-agent: error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error('gitfleet-agent: failed to start', error);
  process.exit(1);
});
