#!/usr/bin/env node
import { parseInvocation } from './args';
import { UsageError, type CommandContext } from './command';
import { COMMANDS } from './commands';
import { EXIT } from './exit-codes';
import { cliVersion, commandHelp, generalHelp } from './help';
import { HubClient, HubError } from './hub-client';
import { colourEnabled, painter } from './render/colour';

/** `gitfleet`: parse the command line, run one command against the hub, answer an exit code. */

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Ctrl-C: ends --watch and --follow, and any request under way. */
  signal?: AbortSignal;
  /** --watch/--follow poll interval; 1 s unless a test wants it faster. */
  pollIntervalMs?: number;
  now?: () => number;
}

const COMMAND_MAP = new Map(COMMANDS.map((c) => [c.name, c]));
/** --watch and --follow follow the hub's live stream; this is how often they ask anyway. */
const DEFAULT_POLL_MS = 10_000;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string) => io.stderr.write(`gitfleet: ${message}\n`);
  let invocation;
  try {
    invocation = parseInvocation(argv, io.env, COMMAND_MAP);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(`${error.message}; see gitfleet ${error.command === undefined ? '' : `${error.command} `}--help`);
    return EXIT.usage;
  }
  const { command, global } = invocation;
  if (global.version) {
    io.stdout.write(`gitfleet ${cliVersion()}\n`);
    return EXIT.ok;
  }
  if (command === undefined) {
    // A bare `gitfleet` is a usage error: the help goes where errors go.
    (global.help ? io.stdout : io.stderr).write(generalHelp(COMMANDS));
    return global.help ? EXIT.ok : EXIT.usage;
  }
  if (global.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }

  const signal = io.signal ?? new AbortController().signal;
  const hub = new HubClient({
    baseUrl: global.hubUrl,
    token: global.token,
    timeoutMs: global.timeoutMs,
    signal,
    visibleText: global.output !== 'json',
  });
  const colour = colourEnabled({ isTTY: io.stdout.isTTY === true, noColorFlag: global.noColor, env: io.env });
  const ctx: CommandContext = {
    hub,
    output: global.output,
    paint: painter(colour),
    interactive: io.stdout.isTTY === true,
    out: (text) => void io.stdout.write(text),
    note: (text) => void io.stderr.write(`${text}\n`),
    json: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    now: io.now ?? Date.now,
    sleep: (ms) => sleep(ms, signal),
    signal,
    pollIntervalMs: io.pollIntervalMs ?? DEFAULT_POLL_MS,
    waitMs: global.waitMs,
  };
  try {
    return await command.run(ctx, { args: invocation.args, values: invocation.values });
  } catch (error) {
    if (signal.aborted) return EXIT.interrupted;
    if (error instanceof UsageError) {
      fail(`${error.message}; see gitfleet ${command.name} --help`);
      return EXIT.usage;
    }
    if (error instanceof HubError) {
      fail(`${error.message} (${error.code})`);
      return error.exitCode;
    }
    throw error;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort);
  });
}

/** As a program: real streams, Ctrl-C aborts what is under way, the exit code is the process's. */
async function runAsProgram(): Promise<void> {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  process.once('SIGTERM', () => interrupt.abort());
  let code: number;
  try {
    code = await main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      signal: interrupt.signal,
    });
  } catch (error) {
    process.stderr.write(`gitfleet: internal error: ${(error as Error).stack ?? String(error)}\n`);
    code = EXIT.problem;
  }
  process.exitCode = code;
}

// The compiled bin is CommonJS: run only when executed, not when imported (tests import main).
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void runAsProgram();
