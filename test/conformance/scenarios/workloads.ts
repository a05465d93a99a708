import { apply, differs, get, namespace, patch, wait, type Scenario } from '../scenario';

const NS = 'cf-workloads';
const labels = { app: 'web' };
const container = {
  name: 'web',
  image: 'nginx:1.25',
  ports: [{ containerPort: 80, name: 'http' }],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1000m', memory: '0.5Gi' } },
};
const template = { metadata: { labels }, spec: { containers: [container] } };
const deployment = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec,
});
const apps = (resource: string, name: string, ns = NS) => `/apis/apps/v1/namespaces/${ns}/${resource}/${name}`;

export const WORKLOAD_SCENARIOS: Scenario[] = [
  {
    name: 'deployment',
    about: 'Deployment: defaults, quantities, revision annotation, generation only on spec changes, Recreate strategy',
    steps: [
      namespace(NS),
      apply('a Deployment with resources and a named port', deployment({ replicas: 2, selector: { matchLabels: labels }, template }), 201),
      wait('the controller observed it', apps('deployments', 'web'), { field: 'status.observedGeneration', equals: 1 }),
      wait('its Pods are counted', apps('deployments', 'web'), { field: 'status.unavailableReplicas', equals: 2 }),
      apply('re-apply: unchanged', deployment({ replicas: 2, selector: { matchLabels: labels }, template }), 200),
      patch(
        'a label change does not bump generation',
        apps('deployments', 'web'),
        'merge',
        { metadata: { labels: { tier: 'front' } } },
        200,
      ),
      apply(
        'switch to Recreate: rollingUpdate must go',
        deployment({ replicas: 2, selector: { matchLabels: labels }, strategy: { type: 'Recreate' }, template }),
        422,
      ),
      apply(
        'maxSurge as a number, maxUnavailable as a percentage',
        deployment({
          replicas: 2,
          selector: { matchLabels: labels },
          strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '0%' } },
          template,
        }),
        200,
      ),
      apply(
        'maxUnavailable as a number in a string is refused',
        deployment({
          replicas: 2,
          selector: { matchLabels: labels },
          strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '1' } },
          template,
        }),
        422,
      ),
      apply(
        'both maxSurge and maxUnavailable zero is refused',
        deployment({
          replicas: 2,
          selector: { matchLabels: labels },
          strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
          template,
        }),
        422,
      ),
      apply('negative replicas are refused', deployment({ replicas: -1, selector: { matchLabels: labels }, template }), 422),
      apply(
        'a container without image is refused',
        deployment({
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web' }] } },
        }),
        422,
      ),
      apply(
        'requests above limits are refused',
        deployment({
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] },
          },
        }),
        422,
      ),
      apply(
        'an invalid container name is refused',
        deployment({
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'Web_1', image: 'nginx' }] } },
        }),
        422,
      ),
    ],
  },
  {
    name: 'statefulset',
    about: 'StatefulSet: defaults, volumeClaimTemplates, which spec fields may change',
    steps: [
      namespace('cf-statefulset'),
      apply(
        'a StatefulSet with a volume claim template',
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db', namespace: 'cf-statefulset' },
          spec: {
            serviceName: 'db',
            replicas: 1,
            selector: { matchLabels: { app: 'db' } },
            template: {
              metadata: { labels: { app: 'db' } },
              spec: { containers: [{ name: 'db', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
            },
            volumeClaimTemplates: [
              { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } },
            ],
          },
        },
        201,
      ),
      wait('the controller observed it', apps('statefulsets', 'db', 'cf-statefulset'), { field: 'status.observedGeneration', equals: 1 }),
      patch(
        'changing serviceName is refused',
        apps('statefulsets', 'db', 'cf-statefulset'),
        'merge',
        { spec: { serviceName: 'other' } },
        422,
      ),
      patch(
        'changing podManagementPolicy is refused',
        apps('statefulsets', 'db', 'cf-statefulset'),
        'merge',
        { spec: { podManagementPolicy: 'Parallel' } },
        422,
      ),
      patch(
        'changing replicas, template and updateStrategy is allowed',
        apps('statefulsets', 'db', 'cf-statefulset'),
        'merge',
        { spec: { replicas: 2, updateStrategy: { type: 'OnDelete', rollingUpdate: null }, minReadySeconds: 5 } },
        200,
      ),
      patch(
        'changing volumeClaimTemplates is refused',
        apps('statefulsets', 'db', 'cf-statefulset'),
        'json',
        [{ op: 'replace', path: '/spec/volumeClaimTemplates/0/spec/resources/requests/storage', value: '2Gi' }],
        422,
      ),
    ],
  },
  {
    name: 'daemonset-and-replicaset',
    about: 'DaemonSet and ReplicaSet defaults',
    steps: [
      namespace('cf-daemonset'),
      apply(
        'a DaemonSet',
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'agent', namespace: 'cf-daemonset' },
          spec: {
            selector: { matchLabels: { app: 'agent' } },
            template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox' }] } },
          },
        },
        201,
      ),
      apply(
        'a DaemonSet with OnDelete',
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'ondelete', namespace: 'cf-daemonset' },
          spec: {
            updateStrategy: { type: 'OnDelete' },
            selector: { matchLabels: { app: 'ondelete' } },
            template: { metadata: { labels: { app: 'ondelete' } }, spec: { containers: [{ name: 'agent', image: 'busybox:latest' }] } },
          },
        },
        201,
      ),
      apply(
        'a ReplicaSet',
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: 'rs', namespace: 'cf-daemonset' },
          spec: {
            selector: { matchLabels: { app: 'rs' } },
            template: {
              metadata: { labels: { app: 'rs' } },
              spec: { containers: [{ name: 'rs', image: 'busybox@sha256:' + 'a'.repeat(64) }] },
            },
          },
        },
        201,
      ),
      wait('the controller saw it', apps('daemonsets', 'agent', 'cf-daemonset'), { field: 'status.observedGeneration', equals: 1 }),
      differs(
        get('the DaemonSet read back', apps('daemonsets', 'agent', 'cf-daemonset'), 200),
        'kube-sim simulates one node, so its DaemonSet schedules one Pod; the test control plane has no node',
        ['$.status', '$.metadata.managedFields[1]'],
      ),
    ],
  },
];
