import { apply, create, get, namespace, patch, type Scenario } from '../scenario';

const NS = 'cf-services';
const service = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec,
});
const path = (name: string) => `/api/v1/namespaces/${NS}/services/${name}`;

export const SERVICE_SCENARIOS: Scenario[] = [
  {
    name: 'service-types',
    about: 'Service: ClusterIP, NodePort, headless and ExternalName defaults; targetPort by number and by name',
    steps: [
      namespace(NS),
      apply(
        'a ClusterIP Service with a named targetPort',
        service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
        201,
      ),
      apply(
        're-apply: nothing changes',
        service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
        200,
      ),
      apply(
        'a NodePort Service',
        service('node', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80 }] }),
        201,
      ),
      apply('a headless Service', service('headless', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] }), 201),
      apply('an ExternalName Service', service('external', { type: 'ExternalName', externalName: 'db.example.com' }), 201),
      apply('a Service without selector or ports', service('bare', { ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }] }), 201),
      apply(
        'a LoadBalancer Service',
        service('lb', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] }),
        201,
      ),
      get('the LoadBalancer Service read back', path('lb'), 200),
    ],
  },
  {
    name: 'service-rules',
    about: 'Service: clusterIP is immutable, ports need names when there are several, targetPort strings must be names',
    steps: [
      namespace('cf-service-rules'),
      apply(
        'a Service',
        {
          ...service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }),
          metadata: { name: 'web', namespace: 'cf-service-rules' },
        },
        201,
      ),
      patch(
        'changing clusterIP is refused',
        '/api/v1/namespaces/cf-service-rules/services/web',
        'merge',
        { spec: { clusterIP: '10.96.200.200', clusterIPs: ['10.96.200.200'] } },
        422,
      ),
      apply(
        'apply without clusterIP keeps the allocated one',
        {
          ...service('web', { selector: { app: 'other' }, ports: [{ port: 80 }] }),
          metadata: { name: 'web', namespace: 'cf-service-rules' },
        },
        200,
      ),
      create(
        'two ports without names',
        { ...service('two', { ports: [{ port: 80 }, { port: 81 }] }), metadata: { name: 'two', namespace: 'cf-service-rules' } },
        422,
      ),
      create(
        'a targetPort that is a number in a string',
        {
          ...service('numeric', { ports: [{ port: 80, targetPort: '8080' }] }),
          metadata: { name: 'numeric', namespace: 'cf-service-rules' },
        },
        422,
      ),
      create(
        'a Service name that is not a DNS-1035 label',
        { ...service('1web', { ports: [{ port: 80 }] }), metadata: { name: '1web', namespace: 'cf-service-rules' } },
        422,
      ),
      create(
        'an ExternalName Service without externalName',
        { ...service('ext', { type: 'ExternalName' }), metadata: { name: 'ext', namespace: 'cf-service-rules' } },
        422,
      ),
      create(
        'a nodePort on a ClusterIP Service',
        { ...service('np', { ports: [{ port: 80, nodePort: 30080 }] }), metadata: { name: 'np', namespace: 'cf-service-rules' } },
        422,
      ),
      create(
        'a port out of range',
        { ...service('range', { ports: [{ port: 70000 }] }), metadata: { name: 'range', namespace: 'cf-service-rules' } },
        422,
      ),
      patch(
        'switching to ExternalName drops the clusterIP',
        '/api/v1/namespaces/cf-service-rules/services/web',
        'merge',
        { spec: { type: 'ExternalName', externalName: 'web.example.com', clusterIP: null, clusterIPs: null, selector: null } },
        200,
      ),
    ],
  },
];
