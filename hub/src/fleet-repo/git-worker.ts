/**
 * The git worker: a small process of the hub's that owns its repository mirrors and so starts
 * its git processes (git-worker-client.ts says why). Started with an IPC channel; answers each
 * call with the mirror method's result, or with its error's name and message (which carry no
 * credentials: GitMirror redacts them). Exits when the hub goes away.
 */
import { stripUserinfo } from '#core';
import type { GitAuth } from './git-auth';
import { GitMirror, MIRROR_METHODS, type MirrorMethod } from './git-mirror';
import type { WorkerAnswer, WorkerCall } from './git-worker-client';

const mirrors = new Map<string, GitMirror>();
const methods = new Set<string>(MIRROR_METHODS);

function mirrorOf(url: string, cacheRoot: string, auth: GitAuth): GitMirror {
  const key = `${cacheRoot}\0${stripUserinfo(url)}`;
  let mirror = mirrors.get(key);
  if (mirror === undefined) {
    mirror = new GitMirror(url, cacheRoot, auth);
    mirrors.set(key, mirror);
  }
  return mirror;
}

async function answer(call: WorkerCall): Promise<WorkerAnswer> {
  try {
    if (!methods.has(call.method)) throw new Error(`the git worker has no method "${String(call.method)}"`);
    const mirror = mirrorOf(call.mirror.url, call.mirror.cacheRoot, call.mirror.auth);
    const method: MirrorMethod = call.method;
    return { id: call.id, value: await (mirror[method].bind(mirror) as (...args: unknown[]) => Promise<unknown>)(...call.args) };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { id: call.id, error: { name, message } };
  }
}

process.on('message', (call: WorkerCall) => {
  void answer(call).then((reply) => {
    // The channel is gone only when the hub is: nothing is left to answer.
    if (process.connected) process.send!(reply, undefined, undefined, () => undefined);
  });
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
