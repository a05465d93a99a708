import type { KubernetesObject } from '@kubernetes/client-node';
import { fingerprintOf, type JsonObject } from './normalise';
import { describeObjectError, objectError, type ObjectError } from './api-error';
import type { ChangeSetEntry } from '../model/change-set';
import type { DesiredObject } from '../model/desired-object';
import { isSecret, maskSecretText, secretValues } from '../model/secret-values';
import type { ObjectClient } from './object-client';

export interface ObjectOutcome {
  entry: ChangeSetEntry;
  /** Set on failures that a later retry might fix. */
  transient: boolean;
  /** Why it failed, typed (the entry's `error` is its description). */
  error?: ObjectError;
  /** What the API answered to the write, when there was one. */
  written?: KubernetesObject;
}

export type DryRun = { ok: true; object: KubernetesObject } | { ok: false; outcome: ObjectOutcome };

/** Server-side apply with dryRun=All: validates the object and shows what apply would make of it. */
export async function dryRunObject(client: ObjectClient, desired: DesiredObject): Promise<DryRun> {
  try {
    return { ok: true, object: (await client.apply(desired.object, { dryRun: true })).object };
  } catch (error) {
    return { ok: false, outcome: failedOutcome(secretSafe(objectError(desired.ref, 'dry-run', error), desired)) };
  }
}

/** fingerprintOf a dry-run answer (or any object the API returned). */
export function objectFingerprint(object: KubernetesObject): string {
  return fingerprintOf(object as unknown as JsonObject);
}

/**
 * Applies one object unless its dry-run equals live (compared by fingerprint): unchanged (no
 * write), created (201) or configured (200).
 */
export async function applyIfChanged(
  client: ObjectClient,
  desired: DesiredObject,
  dryRunFingerprint: string,
  liveFingerprint: string | undefined,
): Promise<ObjectOutcome> {
  if (liveFingerprint !== undefined && liveFingerprint === dryRunFingerprint)
    return { entry: { ref: desired.ref, action: 'unchanged' }, transient: false };
  try {
    const applied = await client.apply(desired.object);
    return {
      entry: { ref: desired.ref, action: applied.httpStatus === 201 ? 'created' : 'configured' },
      transient: false,
      written: applied.object,
    };
  } catch (error) {
    return failedOutcome(secretSafe(objectError(desired.ref, 'apply', error), desired));
  }
}

/** An error about a Secret, with any of its values the API quoted masked. */
function secretSafe(error: ObjectError, desired: DesiredObject): ObjectError {
  const object = desired.object as unknown as Record<string, unknown>;
  return isSecret(object) ? { ...error, message: maskSecretText(error.message, secretValues(object)) } : error;
}

export function failedOutcome(error: ObjectError): ObjectOutcome {
  return { entry: { ref: error.ref, action: 'failed', error: describeObjectError(error) }, transient: error.transient, error };
}
