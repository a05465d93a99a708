import { expect } from 'vitest';
import { apply, differs, get, namespace, patch, wait, type Scenario } from '../scenario';

const labels = { app: 'web' };
const container = {
  name: 'web',
  image: 'nginx:1.25',
  ports: [{ containerPort: 80, name: 'http' }],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1000m', memory: '0.5Gi' } },
};
const template = { metadata: { labels }, spec: { containers: [container] } };
const apps = (namespace: string, resource: string, name: string) => `/apis/apps/v1/namespaces/${namespace}/${resource}/${name}`;
const workload = (kind: string, namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace },
  spec,
});
const deployment = (spec: Record<string, unknown>) =>
  workload('Deployment', 'cf-workloads', 'web', { replicas: 2, selector: { matchLabels: labels }, ...spec });
const withContainer = (c: Record<string, unknown>) => ({ template: { metadata: { labels }, spec: { containers: [c] } } });
const refused = (field: string, message?: unknown) => ({
  status: 422,
  body: { details: { causes: [{ field, ...(message ? { message } : {}) }] } },
});
/** What every pod template gains. */
const TEMPLATE_DEFAULTS = {
  metadata: { creationTimestamp: null },
  spec: {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  },
};

export const WORKLOAD_SCENARIOS: Scenario[] = [
  {
    name: 'deployment',
    about: 'Deployment: defaults, quantities, revision annotation, generation only on spec changes, strategy rules',
    transcript: '15-deployment-rules',
    steps: [
      namespace('cf-workloads'),
      apply('a Deployment with resources and a named port', deployment({ template }), {
        status: 201,
        body: {
          metadata: { generation: 1 },
          spec: {
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
            revisionHistoryLimit: 10,
            progressDeadlineSeconds: 600,
            template: {
              ...TEMPLATE_DEFAULTS,
              spec: {
                ...TEMPLATE_DEFAULTS.spec,
                containers: [
                  {
                    resources: { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
                    ports: [{ containerPort: 80, protocol: 'TCP' }],
                    imagePullPolicy: 'IfNotPresent',
                    terminationMessagePath: '/dev/termination-log',
                    terminationMessagePolicy: 'File',
                  },
                ],
              },
            },
          },
          status: {},
        },
      }),
      wait('the controller observed it', apps('cf-workloads', 'deployments', 'web'), { field: 'status.observedGeneration', equals: 1 }),
      wait('its Pods are counted', apps('cf-workloads', 'deployments', 'web'), { field: 'status.replicas', equals: 2 }),
      wait('and known unavailable', apps('cf-workloads', 'deployments', 'web'), { field: 'status.unavailableReplicas', equals: 2 }),
      apply('re-apply: unchanged, with the revision the controller recorded', deployment({ template }), {
        status: 200,
        body: { metadata: { generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } } },
      }),
      patch(
        'a label change does not bump generation',
        apps('cf-workloads', 'deployments', 'web'),
        'merge',
        { metadata: { labels: { tier: 'front' } } },
        {
          status: 200,
          body: { metadata: { generation: 1 } },
        },
      ),
      apply(
        'switch to Recreate with rollingUpdate left in',
        deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }, template }),
        refused('spec.strategy.rollingUpdate', "Forbidden: may not be specified when strategy `type` is 'Recreate'"),
      ),
      apply(
        'maxSurge as a number, maxUnavailable as a percentage: a spec change',
        deployment({ strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '0%' } }, template }),
        {
          status: 200,
          body: { metadata: { generation: 2 }, spec: { strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '0%' } } } },
        },
      ),
      apply(
        'maxUnavailable as a number in a string is refused',
        deployment({ strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '1' } }, template }),
        refused(
          'spec.strategy.rollingUpdate.maxUnavailable',
          expect.stringContaining('a valid percent string must be a numeric string followed by an ending'),
        ),
      ),
      apply(
        'both maxSurge and maxUnavailable zero is refused',
        deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, template }),
        refused(
          'spec.strategy.rollingUpdate.maxUnavailable',
          'Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
        ),
      ),
      apply(
        'negative replicas are refused',
        deployment({ replicas: -1, template }),
        refused('spec.replicas', 'Invalid value: -1: must be greater than or equal to 0'),
      ),
      apply(
        'a container without image is refused',
        deployment(withContainer({ name: 'web' })),
        refused('spec.template.spec.containers[0].image', 'Required value'),
      ),
      apply(
        'requests above limits are refused',
        deployment(withContainer({ name: 'web', image: 'nginx', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })),
        refused('spec.template.spec.containers[0].resources.requests', 'Invalid value: "2": must be less than or equal to cpu limit'),
      ),
      apply(
        'an invalid container name is refused',
        deployment(withContainer({ name: 'Web_1', image: 'nginx' })),
        refused('spec.template.spec.containers[0].name'),
      ),
      apply('dropping a container port removes it whole', deployment(withContainer({ name: 'web', image: 'nginx:1.25' })), {
        status: 200,
        absent: ['spec.template.spec.containers.0.ports', 'spec.template.spec.containers.0.resources.limits'],
      }),
    ],
  },
  {
    name: 'statefulset',
    about: 'StatefulSet: defaults, volumeClaimTemplates, which spec fields may change',
    transcript: '16-statefulset-daemonset-replicaset',
    steps: [
      namespace('cf-statefulset'),
      apply(
        'a StatefulSet with a volume claim template',
        workload('StatefulSet', 'cf-statefulset', 'db', {
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
        }),
        {
          status: 201,
          body: {
            spec: {
              podManagementPolicy: 'OrderedReady',
              updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
              revisionHistoryLimit: 10,
              volumeClaimTemplates: [
                {
                  apiVersion: 'v1',
                  kind: 'PersistentVolumeClaim',
                  metadata: { name: 'data', creationTimestamp: null },
                  spec: { volumeMode: 'Filesystem', resources: { requests: { storage: '1Gi' } } },
                  status: { phase: 'Pending' },
                },
              ],
            },
            status: { replicas: 0, availableReplicas: 0 },
          },
        },
      ),
      wait('the controller observed it', apps('cf-statefulset', 'statefulsets', 'db'), { field: 'status.observedGeneration', equals: 1 }),
      get('the Pod has its claim', '/api/v1/namespaces/cf-statefulset/persistentvolumeclaims/data-db-0', {
        status: 200,
        body: {
          metadata: { labels: { app: 'db' }, finalizers: ['kubernetes.io/pvc-protection'] },
          spec: { resources: { requests: { storage: '1Gi' } } },
        },
      }),
      patch(
        'changing serviceName is refused',
        apps('cf-statefulset', 'statefulsets', 'db'),
        'merge',
        { spec: { serviceName: 'other' } },
        refused('spec', expect.stringContaining('updates to statefulset spec for fields other than')),
      ),
      patch(
        'changing podManagementPolicy is refused',
        apps('cf-statefulset', 'statefulsets', 'db'),
        'merge',
        { spec: { podManagementPolicy: 'Parallel' } },
        refused('spec'),
      ),
      patch(
        'changing replicas, updateStrategy and minReadySeconds is allowed',
        apps('cf-statefulset', 'statefulsets', 'db'),
        'merge',
        { spec: { replicas: 2, updateStrategy: { type: 'OnDelete', rollingUpdate: null }, minReadySeconds: 5 } },
        {
          status: 200,
          body: { metadata: { generation: 2 }, spec: { updateStrategy: { type: 'OnDelete' } } },
          absent: ['spec.updateStrategy.rollingUpdate'],
        },
      ),
      patch(
        'changing volumeClaimTemplates is refused',
        apps('cf-statefulset', 'statefulsets', 'db'),
        'json',
        [{ op: 'replace', path: '/spec/volumeClaimTemplates/0/spec/resources/requests/storage', value: '2Gi' }],
        refused('spec'),
      ),
    ],
  },
  {
    name: 'daemonset-and-replicaset',
    about: 'DaemonSet and ReplicaSet defaults and zero-valued status',
    transcript: '16-statefulset-daemonset-replicaset',
    steps: [
      namespace('cf-daemonset'),
      apply(
        'a DaemonSet: a template generation annotation, counters at zero',
        workload('DaemonSet', 'cf-daemonset', 'agent', {
          selector: { matchLabels: { app: 'agent' } },
          template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox' }] } },
        }),
        {
          status: 201,
          body: {
            metadata: { annotations: { 'deprecated.daemonset.template.generation': '1' } },
            spec: {
              updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
              revisionHistoryLimit: 10,
            },
            status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
          },
        },
      ),
      apply(
        'a DaemonSet with OnDelete',
        workload('DaemonSet', 'cf-daemonset', 'ondelete', {
          updateStrategy: { type: 'OnDelete' },
          selector: { matchLabels: { app: 'ondelete' } },
          template: { metadata: { labels: { app: 'ondelete' } }, spec: { containers: [{ name: 'agent', image: 'busybox:latest' }] } },
        }),
        { status: 201, body: { spec: { updateStrategy: { type: 'OnDelete' } } }, absent: ['spec.updateStrategy.rollingUpdate'] },
      ),
      apply(
        'a ReplicaSet with an image by digest',
        workload('ReplicaSet', 'cf-daemonset', 'rs', {
          selector: { matchLabels: { app: 'rs' } },
          template: {
            metadata: { labels: { app: 'rs' } },
            spec: { containers: [{ name: 'rs', image: 'busybox@sha256:' + 'a'.repeat(64) }] },
          },
        }),
        {
          status: 201,
          body: {
            spec: { replicas: 1, template: { spec: { containers: [{ imagePullPolicy: 'IfNotPresent' }] } } },
            status: { replicas: 0 },
          },
        },
      ),
      wait('the controller saw it', apps('cf-daemonset', 'daemonsets', 'agent'), { field: 'status.observedGeneration', equals: 1 }),
      differs(
        get('the DaemonSet read back', apps('cf-daemonset', 'daemonsets', 'agent'), 200),
        'kube-sim simulates one node, so its DaemonSet schedules one Pod; the test control plane has no node',
        ['$.status', '$.metadata.managedFields[1]'],
      ),
    ],
  },
];
