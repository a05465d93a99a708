import { notFound, resourceVersionConflict, ApiError, statusBody } from '../api-error';
import { KubeObject, clone, isObject } from '../json-value';
import { ApiServer, subjectOf } from './api-server';
import { hasGeneration } from './object-rules';
import { DeleteOptions, ResourceRequest, WriteResult, timestamp } from './requests';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/**
 * DELETE: an object without finalizers goes at once (answer: a Success Status); one with
 * finalizers, or deleted in the foreground/orphan way, gets deletionTimestamp and stays
 * until the finalizers are removed. Namespaces and CRDs always go through their controllers.
 */
export function deleteObject(api: ApiServer, request: ResourceRequest, options: DeleteOptions): WriteResult {
  const live = api.find(request);
  if (!live) throw notFound(subjectOf(request));
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== live.metadata['uid']) {
    const message = `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(live.metadata['uid'])}`;
    throw new ApiError(409, statusBody(409, 'Conflict', message, { name: request.name, kind: request.type.resource }));
  }
  if (pre?.resourceVersion && pre.resourceVersion !== live.metadata['resourceVersion']) throw resourceVersionConflict(subjectOf(request));

  const kind = request.type.kind;
  const next = clone(live);
  const finalizers = Array.isArray(next.metadata['finalizers']) ? next.metadata['finalizers'].map(String) : [];
  if (kind === 'CustomResourceDefinition' && !finalizers.includes(CRD_CLEANUP_FINALIZER)) finalizers.push(CRD_CLEANUP_FINALIZER);
  if (options.propagationPolicy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
  if (options.propagationPolicy === 'Orphan' && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
  const specFinalizers =
    kind === 'Namespace' && isObject(next['spec']) && Array.isArray(next['spec']['finalizers']) ? next['spec']['finalizers'] : [];

  if (finalizers.length === 0 && specFinalizers.length === 0) {
    if (!options.dryRun) api.store.remove(api.typeKey(request.type), request.namespace ?? '', live.metadata.name);
    // Pods are deleted gracefully, so the answer is the Pod as it went (at once: its simulated node stops it).
    if (kind === 'Pod' && !live.metadata['deletionTimestamp'])
      return {
        code: 200,
        body: { ...next, metadata: { ...next.metadata, deletionTimestamp: timestamp(), deletionGracePeriodSeconds: 0 } },
      };
    const details: Record<string, unknown> = { name: live.metadata.name };
    if (request.type.group) details['group'] = request.type.group;
    details['kind'] = request.type.resource;
    details['uid'] = live.metadata['uid'];
    return { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details } };
  }
  if (finalizers.length > 0) next.metadata['finalizers'] = finalizers;
  if (!live.metadata['deletionTimestamp']) {
    next.metadata['deletionTimestamp'] = timestamp();
    if (kind !== 'Namespace' && kind !== 'CustomResourceDefinition') next.metadata['deletionGracePeriodSeconds'] = 0;
    if (hasGeneration(request.type) && kind !== 'CustomResourceDefinition')
      next.metadata['generation'] = Number(next.metadata['generation'] ?? 0) + 1;
    markTerminating(next);
  } else if (finalizers.length === (Array.isArray(live.metadata['finalizers']) ? live.metadata['finalizers'].length : 0)) {
    return { code: 200, body: live };
  }
  if (options.dryRun) return { code: 200, body: next };
  return { code: 200, body: api.store.put(api.typeKey(request.type), next) };
}

/** Status changes that deletion itself makes (Namespace phase, CRD Terminating condition). */
function markTerminating(object: KubeObject): void {
  if (object.kind === 'Namespace') {
    object['status'] = { ...(isObject(object['status']) ? object['status'] : {}), phase: 'Terminating' };
  }
  if (object.kind === 'CustomResourceDefinition') {
    const status = isObject(object['status']) ? object['status'] : {};
    const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
    conditions.push({
      type: 'Terminating',
      status: 'True',
      lastTransitionTime: timestamp(),
      reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });
    object['status'] = { ...status, conditions };
  }
}
