import type { Command } from '../command';
import { bundlesCommand } from './bundles';
import { clustersCommand } from './clusters';
import { diffCommand } from './diff';
import { eventsCommand } from './events';
import { pauseCommand, resumeCommand } from './pause';
import { rollbackCommand } from './rollback';
import { rolloutCommand } from './rollout';
import { statusCommand } from './status';
import { syncCommand } from './sync';
import { tokensCommand } from './tokens';
import { waitCommand } from './wait';

/** Every command, in the order `gitfleet --help` lists them. */
export const COMMANDS: readonly Command[] = [
  statusCommand,
  clustersCommand,
  bundlesCommand,
  diffCommand,
  syncCommand,
  pauseCommand,
  resumeCommand,
  rollbackCommand,
  rolloutCommand,
  waitCommand,
  tokensCommand,
  eventsCommand,
];
