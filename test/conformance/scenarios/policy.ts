import { apply, create, differs, get, namespace, patch, wait, type Scenario } from '../scenario';

const NS = 'cf-policy';
const inNs = (apiVersion: string, kind: string, name: string, rest: Record<string, unknown>) => ({
  apiVersion,
  kind,
  metadata: { name, namespace: NS },
  ...rest,
});

export const POLICY_SCENARIOS: Scenario[] = [
  {
    name: 'ingress',
    about: 'Ingress (networking.k8s.io/v1): defaults, pathType required, backends',
    steps: [
      namespace(NS),
      apply(
        'an Ingress with TLS, a named and a numbered service port',
        inNs('networking.k8s.io/v1', 'Ingress', 'web', {
          spec: {
            ingressClassName: 'nginx',
            tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
            rules: [
              {
                host: 'web.example.com',
                http: {
                  paths: [
                    { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
                    { path: '/api', pathType: 'ImplementationSpecific', backend: { service: { name: 'api', port: { name: 'http' } } } },
                  ],
                },
              },
            ],
          },
        }),
        201,
      ),
      apply(
        're-apply with a changed host bumps generation',
        inNs('networking.k8s.io/v1', 'Ingress', 'web', {
          spec: { ingressClassName: 'nginx', defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
        }),
        200,
      ),
      apply(
        'a path without pathType is refused',
        inNs('networking.k8s.io/v1', 'Ingress', 'nopathtype', {
          spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
        }),
        422,
      ),
      apply(
        'a backend port with both name and number is refused',
        inNs('networking.k8s.io/v1', 'Ingress', 'bothports', {
          spec: { defaultBackend: { service: { name: 'web', port: { number: 80, name: 'http' } } } },
        }),
        422,
      ),
      apply(
        'an IngressClass',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name: 'conformance-nginx' },
          spec: { controller: 'example.com/ingress' },
        },
        201,
      ),
    ],
  },
  {
    name: 'networkpolicy',
    about: 'NetworkPolicy: policyTypes and port protocol defaults',
    steps: [
      namespace('cf-netpol'),
      apply(
        'an ingress-only policy',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'web', namespace: 'cf-netpol' },
          spec: {
            podSelector: { matchLabels: { app: 'web' } },
            ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }, { port: 'http' }] }],
          },
        },
        201,
      ),
      apply(
        'a policy with egress rules',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'egress', namespace: 'cf-netpol' },
          spec: {
            podSelector: {},
            egress: [
              { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 53, endPort: 60 }] },
            ],
          },
        },
        201,
      ),
      apply(
        'deny all',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'deny', namespace: 'cf-netpol' },
          spec: { podSelector: {} },
        },
        201,
      ),
      apply(
        'an invalid CIDR is refused',
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'cidr', namespace: 'cf-netpol' },
          spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0' } }] }] },
        },
        422,
      ),
    ],
  },
  {
    name: 'poddisruptionbudget',
    about: 'PodDisruptionBudget (policy/v1): status from the disruption controller, exclusive fields',
    steps: [
      namespace('cf-pdb'),
      apply(
        'a PDB with minAvailable',
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'web', namespace: 'cf-pdb' },
          spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
        },
        201,
      ),
      wait('the disruption controller saw it', '/apis/policy/v1/namespaces/cf-pdb/poddisruptionbudgets/web', {
        field: 'status.observedGeneration',
        equals: 1,
      }),
      get('its status', '/apis/policy/v1/namespaces/cf-pdb/poddisruptionbudgets/web', 200),
      differs(
        apply(
          'both minAvailable and maxUnavailable are refused',
          {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'both', namespace: 'cf-pdb' },
            spec: { minAvailable: 1, maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } },
          },
          422,
        ),
        'the real message prints the Go value (with pointers) or a diff of the Go structs',
        ['$.message', '$.details.causes[0].message'],
      ),
      apply(
        'changing the selector is allowed in policy/v1',
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'web', namespace: 'cf-pdb' },
          spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } },
        },
        200,
      ),
    ],
  },
  {
    name: 'horizontalpodautoscaler',
    about: 'HorizontalPodAutoscaler (autoscaling/v2): defaults for minReplicas and behavior',
    steps: [
      namespace('cf-hpa'),
      apply(
        'an HPA on CPU',
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'web', namespace: 'cf-hpa' },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            maxReplicas: 5,
            metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          },
        },
        201,
      ),
      apply(
        'an HPA without metrics, with a scale-down behavior',
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'default', namespace: 'cf-hpa' },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            minReplicas: 2,
            maxReplicas: 4,
            behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
          },
        },
        201,
      ),
      apply(
        'an HPA with a memory value target',
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'memory', namespace: 'cf-hpa' },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            maxReplicas: 4,
            metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } }],
          },
        },
        201,
      ),
      apply(
        'maxReplicas below minReplicas is refused',
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'bad', namespace: 'cf-hpa' },
          spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 2 },
        },
        422,
      ),
    ],
  },
  {
    name: 'limitrange-and-quota',
    about: 'LimitRange defaults, ResourceQuota status, PriorityClass',
    steps: [
      namespace('cf-limits'),
      apply(
        'a LimitRange with only max',
        {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'limits', namespace: 'cf-limits' },
          spec: { limits: [{ type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '10m' } }] },
        },
        201,
      ),
      apply(
        'a LimitRange with defaults',
        {
          apiVersion: 'v1',
          kind: 'LimitRange',
          metadata: { name: 'defaults', namespace: 'cf-limits' },
          spec: {
            limits: [
              { type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '0.1' } },
              { type: 'PersistentVolumeClaim', max: { storage: '10Gi' } },
            ],
          },
        },
        201,
      ),
      apply(
        'a ResourceQuota',
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'quota', namespace: 'cf-limits' },
          spec: { hard: { pods: '10', 'requests.cpu': '4000m', 'limits.memory': '8Gi', 'count/configmaps': '20' } },
        },
        201,
      ),
      wait('the quota controller filled its status', '/api/v1/namespaces/cf-limits/resourcequotas/quota', {
        field: 'status.used.pods',
        equals: '0',
      }),
      get('the quota status', '/api/v1/namespaces/cf-limits/resourcequotas/quota', 200),
      apply(
        'a PriorityClass',
        {
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          metadata: { name: 'conformance-high' },
          value: 1000,
          description: 'high',
        },
        201,
      ),
      patch('changing its value is refused', '/apis/scheduling.k8s.io/v1/priorityclasses/conformance-high', 'merge', { value: 2000 }, 422),
      create(
        'a PriorityClass above one billion is refused',
        { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'conformance-huge' }, value: 2000000000 },
        422,
      ),
      apply(
        'a non-preempting PriorityClass',
        {
          apiVersion: 'scheduling.k8s.io/v1',
          kind: 'PriorityClass',
          metadata: { name: 'conformance-low' },
          value: -5,
          preemptionPolicy: 'Never',
        },
        201,
      ),
    ],
  },
];
