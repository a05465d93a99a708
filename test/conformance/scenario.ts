/**
 * A conformance scenario: a short sequence of API requests, each with what the answer must
 * show. The same scenario runs against kube-sim and against a real kube-apiserver, with the
 * same assertions; the answers of the two are then compared whole (normalised), so that a
 * difference nobody wrote an assertion for still fails.
 */

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** May name values of earlier answers: `{{3:metadata.resourceVersion}}` (step 3's answer). */
  path: string;
  contentType?: string;
  body?: unknown;
}

/** What an answer must show: its status, and a part of its body (vitest's toMatchObject). */
export interface Expectation {
  status: number;
  body?: unknown;
  /** Dotted paths that must be missing from the body ("spec.clusterIP", "data.a"). */
  absent?: string[];
}

/** Polls GET `path` until `until` holds (the transcripts' wait vocabulary). */
export interface Wait {
  path: string;
  until:
    | { status: number }
    | { field: string; equals: unknown }
    | { field: string; equalsField: string }
    | { condition: string }
    | { nonEmptyItems: true };
  seconds: number;
}

/**
 * A deliberate difference between kube-sim and the real server at one step: the whole-answer
 * comparison leaves out `paths` (JSON paths as the comparison prints them, "$.status"; all of
 * the answer when omitted). The assertions still apply to both.
 */
export interface Deliberate {
  paths?: string[];
  reason: string;
}

export interface Step {
  note: string;
  request?: ApiRequest;
  wait?: Wait;
  expect?: Expectation;
  differs?: Deliberate;
}

export interface Scenario {
  name: string;
  /** What the scenario shows, in a sentence. */
  about: string;
  steps: Step[];
  /** Recorded as kube-sim/test/fixtures/transcripts/<transcript>.json by record-transcripts. */
  transcript?: string;
}

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  ServiceAccount: 'serviceaccounts',
  Service: 'services',
  Pod: 'pods',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  LimitRange: 'limitranges',
  ResourceQuota: 'resourcequotas',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ReplicaSet: 'replicasets',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  PriorityClass: 'priorityclasses',
  StorageClass: 'storageclasses',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  CustomResourceDefinition: 'customresourcedefinitions',
};

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'IngressClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'StorageClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'CustomResourceDefinition',
]);

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
}

/** The collection path of a kind; `plural` for kinds not in the table (custom resources). */
export function collectionPath(apiVersion: string, kind: string, namespace?: string, plural = PLURALS[kind]): string {
  if (!plural) throw new Error(`no plural known for ${kind}: pass it`);
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scoped = CLUSTER_SCOPED.has(kind) || namespace === undefined ? '' : `/namespaces/${namespace}`;
  return `${root}${scoped}/${plural}`;
}

export function objectPath(object: ObjectRef, plural?: string): string {
  return `${collectionPath(object.apiVersion, object.kind, object.metadata.namespace, plural)}/${object.metadata.name}`;
}

type Expect = number | Expectation;
const expectation = (e: Expect): Expectation => (typeof e === 'number' ? { status: e } : e);

/** Server-side apply with force (what gitfleet does); `manager` defaults to gitfleet. */
export function apply(
  note: string,
  object: ObjectRef & Record<string, unknown>,
  expected: Expect,
  options: { manager?: string; force?: boolean; dryRun?: boolean; plural?: string; subresource?: string } = {},
): Step {
  const query = [`fieldManager=${options.manager ?? 'gitfleet'}`];
  if (options.force ?? true) query.push('force=true');
  if (options.dryRun) query.push('dryRun=All');
  const sub = options.subresource ? `/${options.subresource}` : '';
  return {
    note,
    request: {
      method: 'PATCH',
      path: `${objectPath(object, options.plural)}${sub}?${query.join('&')}`,
      contentType: 'application/apply-patch+yaml',
      body: object,
    },
    expect: expectation(expected),
  };
}

/** POST of a full object. */
export function create(
  note: string,
  object: ObjectRef & Record<string, unknown>,
  expected: Expect,
  options: { dryRun?: boolean; plural?: string } = {},
): Step {
  const path = collectionPath(object.apiVersion, object.kind, object.metadata.namespace, options.plural);
  return {
    note,
    request: { method: 'POST', path: `${path}?fieldManager=conformance${options.dryRun ? '&dryRun=All' : ''}`, body: object },
    expect: expectation(expected),
  };
}

export function get(note: string, path: string, expected: Expect): Step {
  return { note, request: { method: 'GET', path }, expect: expectation(expected) };
}

export function put(note: string, path: string, body: unknown, expected: Expect): Step {
  return { note, request: { method: 'PUT', path, body }, expect: expectation(expected) };
}

const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

export function patch(note: string, path: string, type: keyof typeof PATCH_TYPES, body: unknown, expected: Expect): Step {
  const separator = path.includes('?') ? '&' : '?';
  return {
    note,
    request: { method: 'PATCH', path: `${path}${separator}fieldManager=conformance-patch`, contentType: PATCH_TYPES[type], body },
    expect: expectation(expected),
  };
}

export function remove(note: string, path: string, expected: Expect, body?: unknown): Step {
  return { note, request: { method: 'DELETE', path, ...(body !== undefined ? { body } : {}) }, expect: expectation(expected) };
}

export function wait(note: string, path: string, until: Wait['until'], seconds = 30): Step {
  return { note, wait: { path, until, seconds } };
}

/** The namespace a scenario works in, applied as its first step. */
export function namespace(name: string): Step {
  return apply(`setup: namespace ${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 201, { manager: 'conformance' });
}

/**
 * Pods need their namespace's default ServiceAccount (ServiceAccount admission); the real
 * controller manager makes it a moment after the namespace.
 */
export function defaultServiceAccount(ns: string): Step {
  return wait(`setup: the default ServiceAccount of ${ns} exists`, `/api/v1/namespaces/${ns}/serviceaccounts/default`, { status: 200 });
}

/** Marks a step as differing deliberately from the real server. */
export function differs(step: Step, reason: string, paths?: string[]): Step {
  return { ...step, differs: { reason, ...(paths ? { paths } : {}) } };
}
