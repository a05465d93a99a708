import { apply, get, namespace, patch, wait, type Scenario } from '../scenario';

const NS = 'cf-round-trips';
const OWNERSHIP = 'cf-ownership';
const shared = (data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'shared', namespace: OWNERSHIP },
  data,
});
const service = (metadata: Record<string, unknown>, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: OWNERSHIP, ...metadata },
  spec,
});
const deployment = (resources: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', resources }] } },
  },
});
const SPELLED = {
  requests: { cpu: '1000m', memory: '1024Mi', 'ephemeral-storage': '1e3' },
  limits: { cpu: '1.5', memory: '1.5Gi', 'ephemeral-storage': '2000000k' },
};
/** The same values as kube-apiserver writes them back (a spelling already canonical stays). */
const CANONICAL = {
  requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1e3' },
  limits: { cpu: '1500m', memory: '1536Mi', 'ephemeral-storage': '2G' },
};
const resourcesAre = (resources: unknown, generation: number) => ({
  status: 200,
  body: { metadata: { generation }, spec: { template: { spec: { containers: [{ resources }] } } } },
});

/** Zero values a Helm chart often renders: kept when the Go field is a pointer, dropped when it is omitempty. */
const ZERO_VALUES = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'zeros', namespace: NS, labels: {}, annotations: {} },
  spec: {
    replicas: 0,
    minReadySeconds: 0,
    paused: false,
    selector: { matchLabels: { app: 'zeros' }, matchExpressions: [] },
    template: {
      metadata: { labels: { app: 'zeros' }, annotations: {} },
      spec: {
        hostNetwork: false,
        nodeName: '',
        nodeSelector: {},
        affinity: {},
        tolerations: [],
        imagePullSecrets: [],
        automountServiceAccountToken: false,
        volumes: [{ name: 'v', emptyDir: {} }],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: [],
            env: [],
            stdin: false,
            resources: { limits: {} },
            volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: false, subPath: '' }],
            securityContext: { privileged: false, readOnlyRootFilesystem: false, capabilities: { add: [], drop: [] } },
          },
        ],
      },
    },
  },
};

export const ROUND_TRIP_SCENARIOS: Scenario[] = [
  {
    name: 'quantities',
    about: 'quantities come back canonical; a dry-run of the manifest equals the live object; a respelling is no spec change',
    transcript: '25-round-trips',
    steps: [
      namespace(NS),
      apply('resources in many spellings', deployment(SPELLED), {
        status: 201,
        body: { spec: { template: { spec: { containers: [{ resources: CANONICAL }] } } } },
      }),
      wait('the controller saw it', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.observedGeneration', equals: 1 }),
      wait('its Pod is counted', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.replicas', equals: 1 }),
      wait('and known unavailable', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.unavailableReplicas', equals: 1 }),
      apply('dry-run of the same manifest: what is live', deployment(SPELLED), resourcesAre(CANONICAL, 1), { dryRun: true }),
      apply(
        'another spelling of the same values: stored as spelled, but no spec change',
        deployment({ requests: { ...CANONICAL.requests, 'ephemeral-storage': '1k' }, limits: CANONICAL.limits }),
        resourcesAre({ ...CANONICAL, requests: { ...CANONICAL.requests, 'ephemeral-storage': '1k' } }, 1),
      ),
      apply(
        'more spellings',
        deployment({ requests: { cpu: '0.1', memory: '100M' }, limits: { cpu: '2.0', memory: '1.5Gi' } }),
        resourcesAre({ requests: { cpu: '100m', memory: '100M' }, limits: { cpu: '2', memory: '1536Mi' } }, 2),
      ),
      apply('zero values: pointers keep theirs, omitempty fields and empty maps and lists go', ZERO_VALUES, {
        status: 201,
        body: {
          spec: {
            replicas: 0,
            template: {
              spec: {
                automountServiceAccountToken: false,
                affinity: {},
                volumes: [{ name: 'v', emptyDir: {} }],
                containers: [
                  {
                    resources: {},
                    volumeMounts: [{ name: 'v', mountPath: '/v' }],
                    securityContext: { privileged: false, readOnlyRootFilesystem: false, capabilities: {} },
                  },
                ],
              },
            },
          },
        },
        absent: [
          'metadata.labels',
          'metadata.annotations',
          'spec.minReadySeconds',
          'spec.paused',
          'spec.selector.matchExpressions',
          'spec.template.metadata.annotations',
          'spec.template.spec.hostNetwork',
          'spec.template.spec.nodeName',
          'spec.template.spec.nodeSelector',
          'spec.template.spec.tolerations',
          'spec.template.spec.imagePullSecrets',
          'spec.template.spec.containers.0.command',
          'spec.template.spec.containers.0.env',
          'spec.template.spec.containers.0.stdin',
          'spec.template.spec.containers.0.volumeMounts.0.readOnly',
          'spec.template.spec.containers.0.volumeMounts.0.subPath',
        ],
      }),
      apply('an invalid quantity is refused', deployment({ requests: { cpu: 'one' } }), {
        status: 500,
        body: {
          message:
            "failed to convert new object (cf-round-trips/web; apps/v1, Kind=Deployment) to proper version: unable to convert unstructured object to apps/v1, Kind=Deployment: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        },
      }),
    ],
  },
  {
    name: 'field-ownership',
    about: 'server-side apply: a field another manager owns, conflicts, shared ownership, empty maps, int-or-string',
    transcript: '25-round-trips',
    steps: [
      namespace(OWNERSHIP),
      apply('gitfleet applies a ConfigMap', shared({ a: '1' }), 201),
      patch('someone else adds a key', `/api/v1/namespaces/${OWNERSHIP}/configmaps/shared`, 'merge', { data: { b: '2' } }, 200),
      apply('gitfleet re-applies without that key: it stays', shared({ a: '1' }), { status: 200, body: { data: { a: '1', b: '2' } } }),
      apply(
        'without force, a value an updater owns conflicts, named with its API version',
        shared({ a: '1', b: '3' }),
        {
          status: 409,
          body: { reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "conformance-patch" using v1: .data.b' },
        },
        { force: false },
      ),
      apply(
        'a second applier sets the same value: shared ownership',
        shared({ b: '2' }),
        {
          status: 200,
          body: {
            metadata: {
              managedFields: [{ manager: 'gitfleet' }, { manager: 'other', operation: 'Apply' }, { manager: 'conformance-patch' }],
            },
          },
        },
        { manager: 'other', force: false },
      ),
      apply(
        'a value another applier owns conflicts, named alone',
        shared({ a: 'x' }),
        { status: 409, body: { message: 'Apply failed with 1 conflict: conflict with "gitfleet": .data.a' } },
        { manager: 'other', force: false },
      ),
      apply('a Service with targetPort as a number', service({}, { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }), {
        status: 201,
        body: { spec: { ports: [{ targetPort: 8080 }] } },
      }),
      apply('targetPort as a name', service({}, { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }), {
        status: 200,
        body: { spec: { ports: [{ targetPort: 'http' }] } },
      }),
      apply(
        'empty labels, annotations and selector: not stored',
        service({ labels: {}, annotations: {} }, { selector: {}, ports: [{ port: 80, targetPort: 'http' }] }),
        {
          status: 200,
          absent: ['metadata.labels', 'metadata.annotations', 'spec.selector'],
        },
      ),
      get('read back', `/api/v1/namespaces/${OWNERSHIP}/services/web`, { status: 200, absent: ['spec.selector'] }),
    ],
  },
];
