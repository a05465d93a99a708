import type { ParseArgsConfig } from 'node:util';
import type { HubClient } from './hub-client';
import type { Paint } from './render/colour';

/** What every command is given, and the shape every command has. */

export type OutputFormat = 'table' | 'json' | 'wide';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  hub: HubClient;
  output: OutputFormat;
  paint: Paint;
  /** stdout is a terminal: --watch may redraw in place. */
  interactive: boolean;
  /** Writes to stdout as is. */
  out(text: string): void;
  /** A line to stderr (notes that scripts reading stdout must not see). */
  note(text: string): void;
  /** Prints an API answer for scripts: pretty JSON, unchanged. */
  json(value: unknown): void;
  now(): number;
  /** Waits, unless interrupted first; false when interrupted. */
  sleep(ms: number): Promise<boolean>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** How often --watch and --follow ask the hub again when its live stream reports nothing. */
  pollIntervalMs: number;
  /** For a command that waits: --timeout, how long it may wait in all (undefined: not given). */
  waitMs?: number;
}

export interface CommandInput {
  /** Positionals after the command name. */
  args: string[];
  values: OptionValues;
}

export interface Command {
  name: string;
  /** One line for `gitfleet --help`. */
  summary: string;
  /** The full text of `gitfleet <name> --help`. */
  help: string;
  options: OptionSpec;
  /**
   * Whether this invocation waits for something (wait, rollout --watch): then --timeout bounds
   * the whole wait (context.waitMs) rather than each request.
   */
  waits?: (values: OptionValues) => boolean;
  /** Resolves to the exit code. */
  run(ctx: CommandContext, input: CommandInput): Promise<number>;
}

/** The command line is wrong: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function stringList(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** Exactly `names.length` positionals, else a usage error naming what is missing or extra. */
export function positionals(command: string, args: string[], names: string[], optional: string[] = []): string[] {
  if (args.length < names.length) throw new UsageError(`missing <${names[args.length]}>`, command);
  if (args.length > names.length + optional.length)
    throw new UsageError(`unexpected argument "${args[names.length + optional.length]}"`, command);
  return args;
}
