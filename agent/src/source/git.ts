import { execFile } from 'node:child_process';
import { redactUserinfo, SAFE_GIT_CONFIG } from '#core';

export interface GitRunOptions {
  gitDir?: string;
  workTree?: string;
  env?: Record<string, string>;
  /** Extra `-c key=value` settings (tests use it to force the old wire protocol). */
  config?: Record<string, string>;
  timeoutMs?: number;
}

/** A git command that failed; its message has any URL userinfo removed. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(redactUserinfo(`git ${args.join(' ')} failed: ${stderr.trim() || 'no output'}`));
    this.name = 'GitError';
  }
}

export function runGit(args: string[], options: GitRunOptions = {}): Promise<string> {
  const settings = { ...SAFE_GIT_CONFIG, ...options.config };
  const fullArgs = [
    ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ...(options.gitDir ? [`--git-dir=${options.gitDir}`] : []),
    ...(options.workTree ? [`--work-tree=${options.workTree}`] : []),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      fullArgs,
      {
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_LFS_SKIP_SMUDGE: '1',
          ...options.env,
        },
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 300_000,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new GitError(args, String(stderr || error.message)));
        } else {
          resolve(String(stdout));
        }
      },
    );
  });
}
