import { JsonObject, KubeObject, isObject, valueAt } from '../json-value';

/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which
 * `kubectl get` asks for: the columns kube-apiserver prints for the kinds gitfleet deploys,
 * Name and Age for the rest.
 */
export function wantsTable(accept: string | undefined): boolean {
  return typeof accept === 'string' && /as=Table/.test(accept);
}

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  priority?: number;
  cell: (o: KubeObject, now: number) => string | number;
}

const num = (o: unknown, path: string) => Number(valueAt(o, path) ?? 0);
const str = (o: unknown, path: string) => String(valueAt(o, path) ?? '');
const list = (o: unknown, path: string): JsonObject[] => {
  const value = valueAt(o, path);
  return Array.isArray(value) ? value.filter(isObject) : [];
};
const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, now) => humanDuration(now - Date.parse(String(o.metadata['creationTimestamp']))),
};
const images = (o: KubeObject) =>
  list(o, 'spec.template.spec.containers')
    .map((c) => String(c['image']))
    .join(',');
const containers = (o: KubeObject) =>
  list(o, 'spec.template.spec.containers')
    .map((c) => String(c['name']))
    .join(',');

const COLUMNS: Record<string, Column[]> = {
  Deployment: [
    { name: 'Ready', type: 'string', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(o, 'status.updatedReplicas') },
    { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.availableReplicas') },
    age,
    { name: 'Containers', type: 'string', priority: 1, cell: containers },
    { name: 'Images', type: 'string', priority: 1, cell: images },
  ],
  ReplicaSet: [
    { name: 'Desired', type: 'integer', cell: (o) => num(o, 'spec.replicas') },
    { name: 'Current', type: 'integer', cell: (o) => num(o, 'status.replicas') },
    { name: 'Ready', type: 'integer', cell: (o) => num(o, 'status.readyReplicas') },
    age,
  ],
  StatefulSet: [{ name: 'Ready', type: 'string', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` }, age],
  DaemonSet: [
    { name: 'Desired', type: 'integer', cell: (o) => num(o, 'status.desiredNumberScheduled') },
    { name: 'Current', type: 'integer', cell: (o) => num(o, 'status.currentNumberScheduled') },
    { name: 'Ready', type: 'integer', cell: (o) => num(o, 'status.numberReady') },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(o, 'status.updatedNumberScheduled') },
    { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.numberAvailable') },
    age,
  ],
  Job: [{ name: 'Completions', type: 'string', cell: (o) => `${num(o, 'status.succeeded')}/${num(o, 'spec.completions') || 1}` }, age],
  Pod: [
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${list(o, 'status.containerStatuses').filter((c) => c['ready'] === true).length}/${list(o, 'spec.containers').length}`,
    },
    { name: 'Status', type: 'string', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      cell: (o) => String(list(o, 'status.containerStatuses').reduce((n, c) => n + Number(c['restartCount'] ?? 0), 0)),
    },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => str(o, 'status.podIP') || '<none>' },
  ],
  Service: [
    { name: 'Type', type: 'string', cell: (o) => str(o, 'spec.type') },
    { name: 'Cluster-IP', type: 'string', cell: (o) => str(o, 'spec.clusterIP') || '<none>' },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o) =>
        list(o, 'spec.ports')
          .map((p) => `${String(p['port'])}/${String(p['protocol'] ?? 'TCP')}`)
          .join(',') || '<none>',
    },
    age,
  ],
  ConfigMap: [
    {
      name: 'Data',
      type: 'integer',
      cell: (o) =>
        Object.keys(isObject(o['data']) ? o['data'] : {}).length + Object.keys(isObject(o['binaryData']) ? o['binaryData'] : {}).length,
    },
    age,
  ],
  Secret: [
    { name: 'Type', type: 'string', cell: (o) => String(o['type'] ?? '') },
    { name: 'Data', type: 'integer', cell: (o) => Object.keys(isObject(o['data']) ? o['data'] : {}).length },
    age,
  ],
  Namespace: [{ name: 'Status', type: 'string', cell: (o) => str(o, 'status.phase') }, age],
};

function podStatus(pod: KubeObject): string {
  if (pod.metadata['deletionTimestamp']) return 'Terminating';
  for (const c of list(pod, 'status.containerStatuses')) {
    const waiting = valueAt(c, 'state.waiting.reason');
    if (typeof waiting === 'string' && waiting !== '') return waiting;
  }
  return str(pod, 'status.phase');
}

/** A Table of objects; rows carry the objects' metadata, as includeObject=Metadata does. */
export function tableOf(kind: string, objects: KubeObject[], listMetadata: JsonObject): JsonObject {
  const columns = COLUMNS[kind] ?? [age];
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
      ...columns.map((c) => ({ name: c.name, type: c.type, format: '', description: c.name, priority: c.priority ?? 0 })),
    ],
    rows: objects.map((o) => ({
      cells: [o.metadata.name, ...columns.map((c) => c.cell(o, now))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { ...o.metadata } },
    })),
  };
}

/** apimachinery's HumanDuration: "42s", "3m12s", "15m", "5h3m", "2d4h", "40d". */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return `${d}d`;
}
