import type { ObjectRef } from './change-set';
import type { ObjectClient } from './object-client';

export interface CrdWaitOptions {
  timeoutMs: number;
  pollMs: number;
}

export function defaultCrdWaitOptions(): CrdWaitOptions {
  return { timeoutMs: 30_000, pollMs: 100 };
}

/**
 * Waits until every given CustomResourceDefinition reports Established, so that the custom
 * resources applied next find their kind in discovery. Gives up quietly at the timeout: the
 * objects that still cannot be applied fail with a clear message and the sync is retried.
 * (Issue 4 replaces the polling with a watch.)
 */
export async function waitForCrdsEstablished(client: ObjectClient, crds: ObjectRef[], options: CrdWaitOptions): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  let waiting = [...crds];
  while (waiting.length > 0) {
    const states = await Promise.all(waiting.map(async (ref) => ({ ref, established: await isEstablished(client, ref) })));
    waiting = states.filter((state) => !state.established).map((state) => state.ref);
    if (waiting.length === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  return waiting.map((ref) => ref.name);
}

async function isEstablished(client: ObjectClient, ref: ObjectRef): Promise<boolean> {
  const live = (await client.readIfExists(ref).catch(() => undefined)) as
    | { status?: { conditions?: { type?: string; status?: string }[] } }
    | undefined;
  return live?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}
