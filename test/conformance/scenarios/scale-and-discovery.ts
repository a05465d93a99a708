import { apply, differs, get, namespace, patch, put, wait, type Scenario } from '../scenario';

const NS = 'cf-scale';
const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: app, image: 'nginx:1.25' }] } });
const workload = (kind: string, name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace: NS },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: template(name), ...extra },
});
const scale = (resource: string, name: string) => `/apis/apps/v1/namespaces/${NS}/${resource}/${name}/scale`;

export const SCALE_AND_DISCOVERY_SCENARIOS: Scenario[] = [
  {
    name: 'scale-subresource',
    transcript: '23-scale-subresource',
    about: '/scale answers an autoscaling/v1 Scale for Deployments, ReplicaSets and StatefulSets (GET, PUT, PATCH)',
    steps: [
      namespace(NS),
      apply('a Deployment', workload('Deployment', 'web'), 201),
      wait('its Pod is counted', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.replicas', equals: 1 }),
      get('GET its scale', scale('deployments', 'web'), {
        status: 200,
        body: {
          kind: 'Scale',
          apiVersion: 'autoscaling/v1',
          metadata: { name: 'web', namespace: NS },
          spec: { replicas: 1 },
          status: { replicas: 1, selector: 'app=web' },
        },
      }),
      put(
        'PUT a scale of 3',
        scale('deployments', 'web'),
        { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: NS }, spec: { replicas: 3 } },
        {
          status: 200,
          body: { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 } },
        },
      ),
      // The PATCH answer carries status.replicas: both servers must have counted the three Pods
      // first, or it says how far each controller got (a race, under load).
      wait('three Pods are counted', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.replicas', equals: 3 }),
      patch(
        'merge-patch the scale to 2',
        scale('deployments', 'web'),
        'merge',
        { spec: { replicas: 2 } },
        { status: 200, body: { kind: 'Scale', spec: { replicas: 2 } } },
      ),
      wait('the controller saw the scale', `/apis/apps/v1/namespaces/${NS}/deployments/web`, {
        field: 'status.observedGeneration',
        equalsField: 'metadata.generation',
      }),
      wait('two Pods are counted', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.replicas', equals: 2 }),
      get('the Deployment has 2 replicas, owned by the scaler', `/apis/apps/v1/namespaces/${NS}/deployments/web`, {
        status: 200,
        body: { spec: { replicas: 2 } },
      }),
      put(
        'PUT a scale with a stale resourceVersion',
        scale('deployments', 'web'),
        {
          kind: 'Scale',
          apiVersion: 'autoscaling/v1',
          metadata: { name: 'web', namespace: NS, resourceVersion: '1' },
          spec: { replicas: 4 },
        },
        409,
      ),
      patch(
        'a negative scale is refused',
        scale('deployments', 'web'),
        'merge',
        { spec: { replicas: -1 } },
        {
          status: 422,
          body: {
            message: 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
            details: { group: 'autoscaling', kind: 'Scale' },
          },
        },
      ),
      get('the scale of a missing Deployment', scale('deployments', 'missing'), {
        status: 404,
        body: { message: 'deployments/scale.apps "missing" not found', details: { kind: 'deployments/scale' } },
      }),
      apply('a ReplicaSet', workload('ReplicaSet', 'rs'), 201),
      wait('its Pod is counted', `/apis/apps/v1/namespaces/${NS}/replicasets/rs`, { field: 'status.replicas', equals: 1 }),
      patch(
        'scale the ReplicaSet',
        scale('replicasets', 'rs'),
        'merge',
        { spec: { replicas: 2 } },
        { status: 200, body: { kind: 'Scale', spec: { replicas: 2 }, status: { selector: 'app=rs' } } },
      ),
      apply('a StatefulSet', workload('StatefulSet', 'db', { serviceName: 'db' }), 201),
      wait('its Pod is counted', `/apis/apps/v1/namespaces/${NS}/statefulsets/db`, { field: 'status.replicas', equals: 1 }),
      patch(
        'scale the StatefulSet to 0: the Scale omits a zero',
        scale('statefulsets', 'db'),
        'strategic',
        { spec: { replicas: 0 } },
        {
          status: 200,
          body: { kind: 'Scale', spec: {}, status: { replicas: 1, selector: 'app=db' } },
          absent: ['spec.replicas'],
        },
      ),
    ],
  },
  {
    name: 'discovery',
    transcript: '24-discovery-of-more-groups',
    about: 'resource lists of the groups a platform team ships',
    steps: [
      get('autoscaling/v2', '/apis/autoscaling/v2', 200),
      differs(
        get('autoscaling/v1', '/apis/autoscaling/v1', 200),
        'kube-sim serves HorizontalPodAutoscalers in autoscaling/v2 only: it does not convert between versions of a built-in kind',
      ),
      get('storage.k8s.io/v1', '/apis/storage.k8s.io/v1', 200),
      get('scheduling.k8s.io/v1', '/apis/scheduling.k8s.io/v1', 200),
      get('admissionregistration.k8s.io/v1', '/apis/admissionregistration.k8s.io/v1', 200),
      get('networking.k8s.io/v1', '/apis/networking.k8s.io/v1', 200),
      get('policy/v1', '/apis/policy/v1', 200),
    ],
  },
];
