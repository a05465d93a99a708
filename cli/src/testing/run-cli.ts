import { main, type CliIo } from '../main';

/** Runs `gitfleet` in-process with captured output, as a test sees a shell run it. */

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Pretend stdout is a terminal. */
  tty?: boolean;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  /** Called with stdout so far after each write (to stop --follow once something appeared). */
  onOutput?: (stdout: string) => void;
}

export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      isTTY: options.tty ?? false,
      write: (text: string) => {
        stdout += text;
        options.onOutput?.(stdout);
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    signal: options.signal,
    pollIntervalMs: options.pollIntervalMs ?? 50,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
