import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that must never reach a log line, wherever they appear. The agent also avoids
 * passing secrets to the logger at all; this is the second line of defence.
 */
const REDACTED_PATHS = ['credential', 'bootstrapToken', 'authorization', '*.credential', '*.bootstrapToken', '*.authorization'];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { component: 'gitfleet-agent' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
