import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { formatBytes, SourceError } from './limits';

/** How external renderers (kustomize, helm) are found and run. */
export interface RenderSettings {
  /** Directories searched for renderer binaries, as in $PATH. */
  searchPath: string;
  /** Wall-clock limit of one render. */
  timeoutMs: number;
  /** Let kustomizations name remote (http, git) bases and resources. Off: repositories are hostile. */
  allowRemoteBases: boolean;
}

export function defaultRenderSettings(): RenderSettings {
  return { searchPath: process.env.PATH ?? '', timeoutMs: 60_000, allowRemoteBases: false };
}

/** The first executable called `name` in the search path, or undefined. */
export async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface RenderCommand {
  binary: string;
  args: string[];
  cwd: string;
  /** The whole environment of the child: nothing from the agent's own leaks in. */
  env: Record<string, string>;
}

/**
 * An environment without network: proxies point at a closed port, git may use only local
 * files, and HOME is a scratch directory so no user configuration or credentials are read.
 */
export function offlineEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const dead = 'http://127.0.0.1:9';
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HTTP_PROXY: dead,
    HTTPS_PROXY: dead,
    http_proxy: dead,
    https_proxy: dead,
    NO_PROXY: '',
    no_proxy: '',
    GIT_ALLOW_PROTOCOL: 'file',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    ...extra,
  };
}

/**
 * Runs a renderer without a shell and returns its standard output. A timeout, an output over
 * `maxOutputBytes` or a non-zero exit is a SourceError naming `what` (the bundle path).
 */
export function runRenderer(command: RenderCommand, what: string, timeoutMs: number, maxOutputBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command.binary,
      command.args,
      { cwd: command.cwd, env: command.env, timeout: timeoutMs, maxBuffer: maxOutputBytes, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          reject(new SourceError(`${what}: output over the limit of ${formatBytes(maxOutputBytes)}`));
        } else if (failure.killed || failure.signal) {
          reject(new SourceError(`${what}: did not finish within ${timeoutMs / 1000} s`));
        } else {
          reject(new SourceError(`${what}: ${lastLines(stderr) || failure.message}`));
        }
      },
    );
  });
}

/** kubectl's log header (`E1122 02:56:16.544008   27908 run.go:72] `): noise in a status message. */
const KLOG_PREFIX = /^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] /;

/** `kubectl kustomize` wraps the reason: `"command failed" err="…"`. */
const KUBECTL_FAILED = /^"command failed" err="(.*)"$/;

/** The end of a renderer's error output, where the reason is, kept short. */
function lastLines(stderr: string): string {
  const lines = stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(KLOG_PREFIX, '').replace(KUBECTL_FAILED, (_, reason: string) => reason.replace(/\\"/g, '"')))
    .filter((line) => line.trim() !== '');
  return lines.slice(-3).join(' ').slice(0, 1000);
}
