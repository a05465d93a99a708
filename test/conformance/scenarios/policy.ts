import { expect } from 'vitest';
import { apply, create, defaultServiceAccount, differs, get, namespace, patch, wait, type Scenario } from '../scenario';

const object = (apiVersion: string, kind: string, namespace: string | undefined, name: string, rest: Record<string, unknown>) => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...rest,
});
const NETWORKING = 'networking.k8s.io/v1';
const backend = (port: Record<string, unknown>) => ({ service: { name: 'web', port } });
const hpa = (name: string, spec: Record<string, unknown>) =>
  object('autoscaling/v2', 'HorizontalPodAutoscaler', 'cf-hpa', name, {
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, ...spec },
  });
const refused = (field: string, message?: unknown) => ({
  status: 422,
  body: { details: { causes: [{ field, ...(message ? { message } : {}) }] } },
});

export const POLICY_SCENARIOS: Scenario[] = [
  {
    name: 'ingress',
    about: 'Ingress (networking.k8s.io/v1): status, pathType required, backends; errors name the extensions group',
    transcript: '19-networking-and-policy',
    steps: [
      namespace('cf-policy'),
      apply(
        'an Ingress with TLS, a named and a numbered service port',
        object(NETWORKING, 'Ingress', 'cf-policy', 'web', {
          spec: {
            ingressClassName: 'nginx',
            tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
            rules: [
              {
                host: 'web.example.com',
                http: {
                  paths: [
                    { path: '/', pathType: 'Prefix', backend: backend({ number: 80 }) },
                    { path: '/api', pathType: 'ImplementationSpecific', backend: backend({ name: 'http' }) },
                  ],
                },
              },
            ],
          },
        }),
        { status: 201, body: { metadata: { generation: 1 }, status: { loadBalancer: {} } } },
      ),
      apply(
        'a new spec bumps generation',
        object(NETWORKING, 'Ingress', 'cf-policy', 'web', { spec: { ingressClassName: 'nginx', defaultBackend: backend({ number: 80 }) } }),
        {
          status: 200,
          body: { metadata: { generation: 2 } },
          absent: ['spec.rules', 'spec.tls'],
        },
      ),
      apply(
        'a path without pathType is refused',
        object(NETWORKING, 'Ingress', 'cf-policy', 'nopathtype', {
          spec: { rules: [{ http: { paths: [{ path: '/', backend: backend({ number: 80 }) }] } }] },
        }),
        {
          status: 422,
          body: {
            message:
              'Ingress.extensions "nopathtype" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
            details: { group: 'extensions' },
          },
        },
      ),
      apply(
        'a backend port with both name and number is refused',
        object(NETWORKING, 'Ingress', 'cf-policy', 'bothports', { spec: { defaultBackend: backend({ number: 80, name: 'http' }) } }),
        refused('spec.defaultBackend', 'Invalid value: "": cannot set both port name & port number'),
      ),
      apply(
        'an IngressClass',
        object(NETWORKING, 'IngressClass', undefined, 'conformance-nginx', { spec: { controller: 'example.com/ingress' } }),
        {
          status: 201,
          body: { metadata: { generation: 1 } },
        },
      ),
    ],
  },
  {
    name: 'networkpolicy',
    about: 'NetworkPolicy: policyTypes and port protocol defaults, CIDRs',
    transcript: '19-networking-and-policy',
    steps: [
      namespace('cf-netpol'),
      apply(
        'an ingress-only policy: policyTypes [Ingress], ports TCP',
        object(NETWORKING, 'NetworkPolicy', 'cf-netpol', 'web', {
          spec: {
            podSelector: { matchLabels: { app: 'web' } },
            ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }, { port: 'http' }] }],
          },
        }),
        {
          status: 201,
          body: {
            spec: {
              policyTypes: ['Ingress'],
              ingress: [
                {
                  ports: [
                    { protocol: 'TCP', port: 80 },
                    { protocol: 'TCP', port: 'http' },
                  ],
                },
              ],
            },
            status: {},
          },
        },
      ),
      apply(
        'a policy with egress rules: policyTypes [Ingress, Egress]',
        object(NETWORKING, 'NetworkPolicy', 'cf-netpol', 'egress', {
          spec: {
            podSelector: {},
            egress: [
              { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'UDP', port: 53, endPort: 60 }] },
            ],
          },
        }),
        { status: 201, body: { spec: { policyTypes: ['Ingress', 'Egress'] } } },
      ),
      apply('deny all', object(NETWORKING, 'NetworkPolicy', 'cf-netpol', 'deny', { spec: { podSelector: {} } }), {
        status: 201,
        body: { spec: { podSelector: {} } },
      }),
      apply(
        'an invalid CIDR is refused',
        object(NETWORKING, 'NetworkPolicy', 'cf-netpol', 'cidr', {
          spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0' } }] }] },
        }),
        refused('spec.egress[0].to[0].ipBlock.cidr', 'Invalid value: "10.0.0.0": not a valid CIDR'),
      ),
    ],
  },
  {
    name: 'poddisruptionbudget',
    about: 'PodDisruptionBudget (policy/v1): status from the disruption controller, exclusive fields',
    transcript: '19-networking-and-policy',
    steps: [
      namespace('cf-pdb'),
      apply(
        'a PDB with minAvailable: counters at zero',
        object('policy/v1', 'PodDisruptionBudget', 'cf-pdb', 'web', {
          spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
        }),
        { status: 201, body: { status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } } },
      ),
      wait('the disruption controller saw it', '/apis/policy/v1/namespaces/cf-pdb/poddisruptionbudgets/web', {
        field: 'status.observedGeneration',
        equals: 1,
      }),
      get('no Pods: a disruption is not allowed', '/apis/policy/v1/namespaces/cf-pdb/poddisruptionbudgets/web', {
        status: 200,
        body: {
          status: {
            desiredHealthy: 1,
            conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1 }],
          },
        },
      }),
      differs(
        apply(
          'both minAvailable and maxUnavailable are refused',
          object('policy/v1', 'PodDisruptionBudget', 'cf-pdb', 'both', {
            spec: { minAvailable: 1, maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } },
          }),
          refused('spec', expect.stringContaining('minAvailable and maxUnavailable cannot be both set')),
        ),
        'the real message prints the Go value of the spec, with pointers',
        ['$.message', '$.details.causes[0].message'],
      ),
      apply(
        'changing the selector is allowed in policy/v1',
        object('policy/v1', 'PodDisruptionBudget', 'cf-pdb', 'web', {
          spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'api' } } },
        }),
        { status: 200, body: { metadata: { generation: 2 } } },
      ),
    ],
  },
  {
    name: 'horizontalpodautoscaler',
    about: 'HorizontalPodAutoscaler (autoscaling/v2): defaults for minReplicas, metrics and behavior',
    transcript: '19-networking-and-policy',
    steps: [
      namespace('cf-hpa'),
      apply(
        'an HPA on CPU',
        hpa('web', {
          maxReplicas: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        }),
        {
          status: 201,
          body: { spec: { minReplicas: 1 }, status: { desiredReplicas: 0, currentMetrics: null } },
          absent: ['metadata.generation', 'spec.behavior'],
        },
      ),
      apply(
        'no metrics, a scale-down behavior: both filled in',
        hpa('default', { minReplicas: 2, maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }),
        {
          status: 201,
          body: {
            spec: {
              metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
              behavior: {
                scaleUp: {
                  stabilizationWindowSeconds: 0,
                  selectPolicy: 'Max',
                  policies: [
                    { type: 'Pods', value: 4, periodSeconds: 15 },
                    { type: 'Percent', value: 100, periodSeconds: 15 },
                  ],
                },
                scaleDown: {
                  stabilizationWindowSeconds: 60,
                  selectPolicy: 'Max',
                  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
                },
              },
            },
          },
        },
      ),
      apply(
        'an HPA with a memory value target: a canonical quantity',
        hpa('memory', {
          maxReplicas: 4,
          metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } }],
        }),
        { status: 201, body: { spec: { metrics: [{ resource: { target: { averageValue: '1Gi' } } }] } } },
      ),
      apply('maxReplicas below minReplicas is refused', hpa('bad', { minReplicas: 3, maxReplicas: 2 }), {
        status: 422,
        body: {
          message:
            'HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
        },
      }),
    ],
  },
  {
    name: 'limitrange-and-quota',
    about: 'LimitRange defaults and LimitRanger, ResourceQuota status and admission, PriorityClass',
    transcript: '20-limits-quota-priority',
    steps: [
      namespace('cf-limits'),
      defaultServiceAccount('cf-limits'),
      apply(
        'a LimitRange with max, min and a request: limits default to max, requests to the limits',
        object('v1', 'LimitRange', 'cf-limits', 'limits', {
          spec: { limits: [{ type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '10m' }, defaultRequest: { cpu: '0.1' } }] },
        }),
        {
          status: 201,
          body: { spec: { limits: [{ default: { cpu: '2', memory: '1Gi' }, defaultRequest: { cpu: '100m', memory: '1Gi' } }] } },
        },
      ),
      apply(
        'a LimitRange for claims and Pods: no defaults there',
        object('v1', 'LimitRange', 'cf-limits', 'claims', {
          spec: {
            limits: [
              { type: 'PersistentVolumeClaim', max: { storage: '10Gi' } },
              { type: 'Pod', max: { cpu: '4' } },
            ],
          },
        }),
        { status: 201, absent: ['spec.limits.0.default', 'spec.limits.1.defaultRequest'] },
      ),
      // The quota comes after the namespace's kube-root-ca.crt: made the other way round, the
      // real server's quota admission charges that ConfigMap to the quota's status itself, and
      // the quota's managedFields gain a kube-apiserver entry or not depending on which came
      // first (CI saw both).
      wait('setup: the root CA ConfigMap is published', '/api/v1/namespaces/cf-limits/configmaps/kube-root-ca.crt', { status: 200 }),
      apply(
        'a ResourceQuota',
        object('v1', 'ResourceQuota', 'cf-limits', 'quota', {
          spec: { hard: { pods: '10', 'requests.cpu': '4000m', 'limits.memory': '8Gi', 'count/configmaps': '2' } },
        }),
        { status: 201, body: { spec: { hard: { 'requests.cpu': '4' } }, status: {} } },
      ),
      // Waited on the ConfigMap count, not the pods: the quota controller can fill in the pods
      // before it has counted the namespace's kube-root-ca.crt (CI on a loaded machine saw
      // used.pods 0 with count/configmaps still 0, and then a third ConfigMap admitted).
      wait('the quota controller filled its status', '/api/v1/namespaces/cf-limits/resourcequotas/quota', {
        field: 'status.used.count/configmaps',
        equals: '1',
      }),
      get('the quota status', '/api/v1/namespaces/cf-limits/resourcequotas/quota', {
        status: 200,
        body: { status: { hard: { pods: '10' }, used: { pods: '0', 'count/configmaps': '1', 'requests.cpu': '0', 'limits.memory': '0' } } },
      }),
      create(
        'a Pod without resources gets the container defaults, and says so',
        object('v1', 'Pod', 'cf-limits', 'defaulted', { spec: { containers: [{ name: 'c', image: 'busybox' }] } }),
        {
          status: 201,
          body: {
            metadata: {
              annotations: {
                'kubernetes.io/limit-ranger':
                  'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c',
              },
            },
            spec: { containers: [{ resources: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } } }] },
            status: { qosClass: 'Burstable' },
          },
        },
      ),
      wait('the quota counts it', '/api/v1/namespaces/cf-limits/resourcequotas/quota', { field: 'status.used.pods', equals: '1' }),
      create('one more ConfigMap fits the quota', object('v1', 'ConfigMap', 'cf-limits', 'one', {}), 201),
      create('the next does not', object('v1', 'ConfigMap', 'cf-limits', 'two', {}), {
        status: 403,
        body: {
          reason: 'Forbidden',
          message:
            'configmaps "two" is forbidden: exceeded quota: quota, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2',
        },
      }),
      apply(
        'a PriorityClass',
        object('scheduling.k8s.io/v1', 'PriorityClass', undefined, 'conformance-high', { value: 1000, description: 'high' }),
        {
          status: 201,
          body: { metadata: { generation: 1 }, preemptionPolicy: 'PreemptLowerPriority' },
        },
      ),
      patch(
        'changing its value is refused',
        '/apis/scheduling.k8s.io/v1/priorityclasses/conformance-high',
        'merge',
        { value: 2000 },
        refused('Value', 'Forbidden: may not be changed in an update.'),
      ),
      create(
        'a PriorityClass above one billion is refused',
        object('scheduling.k8s.io/v1', 'PriorityClass', undefined, 'conformance-huge', { value: 2000000000 }),
        refused('value', 'Forbidden: maximum allowed value of a user defined priority is 1000000000'),
      ),
      apply(
        'a non-preempting PriorityClass',
        object('scheduling.k8s.io/v1', 'PriorityClass', undefined, 'conformance-low', { value: -5, preemptionPolicy: 'Never' }),
        {
          status: 201,
          body: { preemptionPolicy: 'Never' },
        },
      ),
    ],
  },
];
