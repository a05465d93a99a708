import { parseArgs } from 'node:util';
import { UsageError, type Command, type OptionSpec, type OptionValues, type OutputFormat } from './command';
import { parseDuration } from './duration';

/** The command line: global flags, then the command and its own flags, in any order. */

export const GLOBAL_OPTIONS = {
  hub: { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'no-color': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies OptionSpec;

export const DEFAULT_HUB = 'http://127.0.0.1:8080';
export const DEFAULT_TIMEOUT_MS = 10_000;
const FORMATS: readonly OutputFormat[] = ['table', 'json', 'wide'];

export interface GlobalOptions {
  hubUrl: string;
  token: string | undefined;
  output: OutputFormat;
  noColor: boolean;
  /** Per request. */
  timeoutMs: number;
  /** --timeout of a command that waits: the whole wait (requests keep the default time-out). */
  waitMs: number | undefined;
  help: boolean;
  version: boolean;
}

export interface Invocation {
  /** undefined for a bare `gitfleet` (or `gitfleet --help`). */
  command: Command | undefined;
  args: string[];
  values: OptionValues;
  global: GlobalOptions;
}

/**
 * Finds the command (the first positional), then parses everything strictly with the global
 * flags and the command's own, so that a flag may stand before or after the command name.
 */
export function parseInvocation(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  commands: ReadonlyMap<string, Command>,
): Invocation {
  const first = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const name = first.positionals[0];
  const command = name === undefined ? undefined : commands.get(name);
  if (name !== undefined && command === undefined) throw new UsageError(`unknown command "${name}"`);

  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command?.options }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error as Error), command?.name);
  }
  const values = parsed.values as OptionValues;
  return {
    command,
    args: parsed.positionals.slice(1),
    values,
    global: globalOptions(values, env, command?.name, command?.waits?.(values) === true),
  };
}

function globalOptions(
  values: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
  command: string | undefined,
  waits: boolean,
): GlobalOptions {
  const text = (flag: string, variable?: string): string | undefined => {
    const given = values[flag];
    if (typeof given === 'string') return given;
    const fromEnv = variable === undefined ? undefined : env[variable]?.trim();
    return fromEnv === '' ? undefined : fromEnv;
  };

  const hubUrl = text('hub', 'GITFLEET_HUB') ?? DEFAULT_HUB;
  let parsedUrl: URL | undefined;
  try {
    parsedUrl = new URL(hubUrl);
  } catch {
    parsedUrl = undefined;
  }
  if (parsedUrl === undefined || (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')) {
    throw new UsageError(`--hub (or GITFLEET_HUB) must be an http:// or https:// URL, got "${hubUrl.slice(0, 200)}"`, command);
  }
  // Not echoed: whatever stands before the @ is a secret.
  if (parsedUrl.username !== '' || parsedUrl.password !== '')
    throw new UsageError('--hub (or GITFLEET_HUB) must not hold user:password; give an API token with --token or GITFLEET_TOKEN', command);

  const output = (text('output') ?? 'table') as OutputFormat;
  if (!FORMATS.includes(output)) throw new UsageError(`-o must be one of ${FORMATS.join(', ')}, got "${output}"`, command);

  const timeoutText = text('timeout');
  const given = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
  if (given === undefined) throw new UsageError(`--timeout must be a duration such as 10s or 2m, got "${timeoutText}"`, command);
  const timeoutMs = waits ? DEFAULT_TIMEOUT_MS : given;
  const waitMs = waits && timeoutText !== undefined ? given : undefined;

  return {
    hubUrl,
    token: text('token', 'GITFLEET_TOKEN'),
    output,
    noColor: values['no-color'] === true,
    timeoutMs,
    waitMs,
    help: values.help === true,
    version: values.version === true,
  };
}

/** Node's messages, without their advice about `--` (which rarely applies here). */
function parseArgsMessage(error: Error): string {
  return error.message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '');
}
