import type { KubeObject } from '../source/manifest-reader';
import { describeFailure, isTransient } from './api-error';
import type { ChangeSetEntry, ObjectRef } from './change-set';
import type { ObjectClient } from './object-client';
import { prepareObject } from './prepare';

export interface ObjectOutcome {
  entry: ChangeSetEntry;
  /** Set on failures that a later retry might fix. */
  transient: boolean;
}

/**
 * Server-side applies one object of a bundle and says what happened: created (201),
 * configured (200 with a new resourceVersion) or unchanged (200, same resourceVersion).
 */
export async function applyObject(
  client: ObjectClient,
  manifest: KubeObject,
  context: { bundle: string; defaultNamespace: string },
): Promise<ObjectOutcome> {
  let ref = refOf(manifest, manifest.metadata.namespace ?? '');
  try {
    const namespaced = await client.isNamespaced(manifest.apiVersion, manifest.kind);
    const object = prepareObject(manifest, { ...context, namespaced });
    ref = refOf(object, object.metadata.namespace ?? '');
    const before = await client.readIfExists(ref);
    const applied = await client.apply(object);
    const after = applied.object.metadata?.resourceVersion;
    const action =
      applied.httpStatus === 201 || before === undefined
        ? 'created'
        : after !== undefined && after === before.metadata?.resourceVersion
          ? 'unchanged'
          : 'configured';
    return { entry: { ref, action }, transient: false };
  } catch (error) {
    return { entry: { ref, action: 'failed', error: describeFailure(ref, 'apply', error) }, transient: isTransient(error) };
  }
}

export function refOf(object: KubeObject, namespace: string): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace, name: object.metadata.name };
}
