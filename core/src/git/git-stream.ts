/**
 * git as a child process whose output is read as it comes, so that a limit can stop git the
 * moment it is passed — never after the whole output is in memory. Used wherever repository
 * content of unknown size is listed or read (tree listings, blob contents).
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { redactUserinfo } from '../repo-url';

/** Settings that keep a hostile repository or remote from running anything on our side. */
export const SAFE_GIT_CONFIG: Readonly<Record<string, string>> = {
  'core.hooksPath': '/dev/null',
  'core.fsmonitor': 'false',
  'core.symlinks': 'true',
  'protocol.ext.allow': 'never',
  'protocol.fd.allow': 'never',
  'submodule.recurse': 'false',
  'advice.detachedHead': 'false',
};

/** What git may see of the process's environment: enough to reach a remote, nothing that runs programs. */
const PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** The environment every git of hub and agent starts from: PASSED_ENV of this process, no prompts, no system config. */
export function gitEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of PASSED_ENV) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface GitStreamOptions {
  gitDir: string;
  /** A work tree for commands that write files (checkout-index). */
  workTree?: string;
  /** The whole environment git sees (callers pass an allow-list, never process.env as is). */
  env: Record<string, string>;
  /** More `-c key=value` settings, after the safe ones (tests force an old wire protocol with it). */
  config?: Readonly<Record<string, string>>;
  /** Written to git's stdin, then closed. */
  input?: string;
  timeoutMs?: number;
}

/** A git command that failed or was stopped; the message carries no URL userinfo. */
export class GitStreamError extends Error {
  constructor(message: string) {
    super(redactUserinfo(message));
    this.name = 'GitStreamError';
  }
}

/**
 * Runs `git <args>` in `gitDir`, handing each piece of stdout to `onData`. When `onData`
 * throws, git is killed and the error is what this rejects with (a limit passed); a failing
 * git rejects with its stderr (capped).
 */
export function streamGit(args: string[], options: GitStreamOptions, onData: (chunk: Buffer) => void): Promise<void> {
  const fullArgs = [
    ...Object.entries({ ...SAFE_GIT_CONFIG, ...options.config }).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    `--git-dir=${options.gitDir}`,
    ...(options.workTree !== undefined ? [`--work-tree=${options.workTree}`] : []),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('git', fullArgs, {
      env: { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_LFS_SKIP_SMUDGE: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let failure: Error | undefined;
    let stderr = '';
    const timer = setTimeout(() => {
      failure ??= new GitStreamError(`git ${args[0]} took longer than ${(options.timeoutMs ?? 120_000) / 1000} s`);
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        onData(chunk);
      } catch (error) {
        failure = error instanceof Error ? error : new GitStreamError(String(error));
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      failure ??= new GitStreamError(`git ${args[0]} could not start: ${error.message}`);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure !== undefined) reject(failure);
      else if (code !== 0) reject(new GitStreamError(`git ${args[0]} failed: ${stderr.trim().slice(0, 1000) || `exit code ${code}`}`));
      else resolve();
    });
    child.stdin.on('error', () => {
      // git may exit before reading all input (it was stopped): the close handler reports.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Splits a stream of NUL- (or newline-) terminated records, keeping what is cut between pieces. */
export class RecordSplitter {
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly separator: '\0' | '\n') {}

  /** The complete records in this piece (the last, unterminated one is kept for the next). */
  push(chunk: Buffer): string[] {
    const text = this.rest + this.decoder.write(chunk);
    const records = text.split(this.separator);
    this.rest = records.pop() ?? '';
    return records;
  }

  /** What is left when the stream ends (an unterminated last record). */
  end(): string {
    return this.rest + this.decoder.end();
  }
}

/** At most this much of a command's output is kept by runGit (its commands answer in lines, not listings). */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs a git command whose answer is short (init, fetch, rev-parse, cat-file -e, read-tree…)
 * and returns its output; listings and contents go through streamGit with their own limits.
 * One runner for hub and agent: the same safe settings, environment and error (GitStreamError,
 * no URL userinfo).
 */
export async function runGit(args: string[], options: GitStreamOptions): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  await streamGit(args, options, (chunk) => {
    size += chunk.length;
    if (size > MAX_OUTPUT_BYTES) throw new GitStreamError(`git ${args[0]} answered more than ${MAX_OUTPUT_BYTES} bytes`);
    chunks.push(chunk);
  });
  return Buffer.concat(chunks).toString('utf8');
}
