import { fingerprintOf } from '../kube/normalise';
import type { DesiredObject } from '../model/desired-object';
import type { Manifest } from '../source/manifest-reader';
import type { KubeObject } from '../model/kube-object';
import { describeFailure } from '../kube/api-error';
import { type ChangeSetEntry } from '../model/change-set';
import { formatRef, type ObjectRef } from '../model/object-ref';
import { UnknownKindError, type ObjectClient } from '../kube/object-client';
import { isCrd, SYNC_WAVE_ANNOTATION, validSyncWave } from './order';
import { prepareObject } from './prepare';

export interface ResolvedBundle {
  objects: DesiredObject[];
  /** Objects that fail the schema basics, each as a FAILED entry. */
  failures: ChangeSetEntry[];
}

/**
 * Schema basics for every object of a bundle before anything is written: a valid sync wave,
 * a kind the cluster serves (or whose CRD is in the same bundle — its scope then comes from
 * that CRD), the namespace filled in or dropped by the kind's scope, and the gitfleet labels.
 */
export async function resolveDesired(
  manifests: readonly Manifest[],
  context: { bundle: string; defaultNamespace: string },
  client: ObjectClient,
): Promise<ResolvedBundle> {
  const bundleCrds = manifests.map((m) => m.object).filter(isCrd);
  const objects: DesiredObject[] = [];
  const failures: ChangeSetEntry[] = [];
  for (const { object, file, line } of manifests) {
    const draft: ObjectRef = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
    };
    if (!validSyncWave(object)) {
      failures.push({
        ref: draft,
        action: 'failed',
        error: `${formatRef(draft)} is invalid: annotation ${SYNC_WAVE_ANNOTATION} must be an integer`,
      });
      continue;
    }
    let namespaced: boolean;
    let served = true;
    try {
      namespaced = await client.isNamespaced(object.apiVersion, object.kind);
    } catch (error) {
      const crd = error instanceof UnknownKindError ? definingCrd(bundleCrds, object) : undefined;
      if (!crd) {
        failures.push({ ref: draft, action: 'failed', error: describeFailure(draft, 'validation', error) });
        continue;
      }
      namespaced = (crd as { spec?: { scope?: string } }).spec?.scope !== 'Cluster';
      served = false;
    }
    const prepared = prepareObject(object, { ...context, namespaced });
    const ref: ObjectRef = { ...draft, namespace: prepared.metadata.namespace ?? '' };
    const fingerprint = fingerprintOf(prepared);
    objects.push({ ref, object: prepared, namespaced, served, fingerprint, ...(file ? { source: `${file}:${line}` } : {}) });
  }
  return { objects, failures };
}

/** The CRD of this bundle that defines the object's kind at its version, if any. */
function definingCrd(crds: readonly KubeObject[], object: KubeObject): KubeObject | undefined {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return crds.find((crd) => {
    const spec = (crd as { spec?: { group?: string; names?: { kind?: string }; versions?: { name?: string }[] } }).spec;
    return spec?.group === group && spec.names?.kind === object.kind && (spec.versions ?? []).some((v) => v.name === version);
  });
}
