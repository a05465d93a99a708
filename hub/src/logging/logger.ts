import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Injection token of the hub's root pino logger. */
export const LOGGER = Symbol('Logger');

/**
 * The hub's root logger. Field names that could carry a secret are redacted wherever they
 * appear, as a second line of defence behind never logging them in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    name: 'gitfleet-hub',
    level,
    redact: {
      paths: ['credential', 'token', 'bootstrapToken', 'authorization', '*.credential', '*.token', '*.authorization'],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
