import type { KubeObject } from './kube-object';
import type { ObjectRef } from './object-ref';

/** One object of a bundle as the agent will apply it. */
export interface DesiredObject {
  ref: ObjectRef;
  /** The prepared manifest: default namespace filled in, gitfleet labels set. */
  object: KubeObject;
  namespaced: boolean;
  /** False when the cluster does not serve the kind yet because its CRD is in this bundle. */
  served: boolean;
  /** fingerprintOf the prepared manifest: with the live one, what the in-sync ledger keys on. */
  fingerprint: string;
  /** Where the manifest was read from, `file:line` (repository-relative), when known. */
  source?: string;
}
