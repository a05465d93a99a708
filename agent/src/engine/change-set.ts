/** Identity of one Kubernetes object, as it appears in change sets, logs and reports. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
export function formatRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';

/** Every mutation (or refusal to mutate) yields one entry; logs and reports come from it. */
export interface ChangeSetEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** Set only when action is 'failed'; names the object and the API's reason. */
  error?: string;
}

export type SyncPhase = 'progressing' | 'synced' | 'failed';

/** The outcome of one sync of one target: what the report module turns into a StatusReport. */
export interface TargetSyncResult {
  bundle: string;
  commit: string;
  targetSetRevision: string;
  phase: SyncPhase;
  /** Bundle-level message: the fetch/read error, or a summary of failures. */
  message: string;
  changes: ChangeSetEntry[];
  observedAt: Date;
}
