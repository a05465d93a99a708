import type { KubernetesObject } from '@kubernetes/client-node';
import type { LiveCache } from './live-cache';
import type { ObjectRef } from '../model/object-ref';

export interface CrdWaitOptions {
  timeoutMs: number;
}

export function defaultCrdWaitOptions(): CrdWaitOptions {
  return { timeoutMs: 30_000 };
}

/**
 * Waits until every given CustomResourceDefinition reports Established, so that the custom
 * resources applied next find their kind in discovery. Driven by the live cache's watch of
 * CRDs, not by polling. Returns the names still not Established at the timeout: the objects
 * that then cannot be applied fail with a clear message.
 */
export async function waitForCrdsEstablished(live: LiveCache, crds: readonly ObjectRef[], options: CrdWaitOptions): Promise<string[]> {
  if (crds.length === 0) return [];
  await live.ensure(crds[0].apiVersion, 'CustomResourceDefinition');
  const waiting = (): ObjectRef[] => crds.filter((ref) => !isEstablished(live.get(ref)));
  return new Promise<string[]>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve(waiting().map((ref) => ref.name));
    };
    const unsubscribe = live.subscribe((change) => {
      if (change.object.kind === 'CustomResourceDefinition' && waiting().length === 0) finish();
    });
    const timer = setTimeout(finish, options.timeoutMs);
    if (waiting().length === 0) finish();
  });
}

function isEstablished(object: KubernetesObject | undefined): boolean {
  const conditions = (object as { status?: { conditions?: { type?: string; status?: string }[] } } | undefined)?.status?.conditions;
  return conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}
