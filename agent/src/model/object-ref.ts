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
