import { describe, expect, it } from 'vitest';
import { findExecutable, offlineEnvironment, runRenderer } from './renderer-process';

const env = offlineEnvironment('/tmp');

describe('runRenderer', () => {
  it('returns standard output', async () => {
    await expect(runRenderer({ binary: '/bin/echo', args: ['a: 1'], cwd: '/', env }, 'x', 5000, 1000)).resolves.toBe('a: 1\n');
  });

  it('passes arguments verbatim, without a shell', async () => {
    await expect(runRenderer({ binary: '/bin/echo', args: ['$(id); `id`'], cwd: '/', env }, 'x', 5000, 1000)).resolves.toBe(
      '$(id); `id`\n',
    );
  });

  it('stops a renderer that runs too long', async () => {
    await expect(runRenderer({ binary: '/bin/sleep', args: ['5'], cwd: '/', env }, 'kustomize build of "a"', 200, 1000)).rejects.toThrow(
      'kustomize build of "a": did not finish within 0.2 s',
    );
  });

  it('stops a renderer whose output is over the limit', async () => {
    await expect(runRenderer({ binary: '/usr/bin/yes', args: [], cwd: '/', env }, 'helm template of "c"', 5000, 64 * 1024)).rejects.toThrow(
      'helm template of "c": output over the limit of 64 KiB',
    );
  });

  it('reports the end of the error output on failure', async () => {
    await expect(
      runRenderer({ binary: '/bin/sh', args: ['-c', 'echo noise >&2; echo "the reason" >&2; exit 1'], cwd: '/', env }, 'w', 5000, 1000),
    ).rejects.toThrow('w: noise the reason');
  });
});

describe('findExecutable', () => {
  it('finds a binary in the search path, and nothing in an empty one', async () => {
    await expect(findExecutable('sh', '/nonexistent:/bin')).resolves.toBe('/bin/sh');
    await expect(findExecutable('sh', '')).resolves.toBeUndefined();
  });
});
