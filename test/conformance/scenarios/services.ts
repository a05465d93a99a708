import { expect } from 'vitest';
import { apply, create, get, namespace, patch, type Scenario } from '../scenario';

const service = (namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec,
});
const NS = 'cf-services';
const RULES = 'cf-service-rules';
const clusterIP = expect.stringMatching(/^10\.96\./);
const refused = (field: string, message: string) => ({ status: 422, body: { details: { causes: [{ field, message }] } } });
const SINGLE_STACK = { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None' };

export const SERVICE_SCENARIOS: Scenario[] = [
  {
    name: 'service-types',
    about: 'Service: ClusterIP, NodePort, LoadBalancer, headless and ExternalName defaults; targetPort by number and by name',
    transcript: '13-service-types',
    steps: [
      namespace(NS),
      apply(
        'a ClusterIP Service with a named targetPort',
        service(NS, 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
        {
          status: 201,
          body: {
            spec: {
              type: 'ClusterIP',
              clusterIP,
              clusterIPs: [clusterIP],
              ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
              ...SINGLE_STACK,
            },
            status: { loadBalancer: {} },
          },
        },
      ),
      apply(
        're-apply: nothing changes',
        service(NS, 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
        200,
      ),
      apply(
        'a NodePort Service: a node port allocated, externalTrafficPolicy Cluster',
        service(NS, 'node', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80 }] }),
        {
          status: 201,
          body: { spec: { externalTrafficPolicy: 'Cluster', ports: [{ port: 8080, targetPort: 80, nodePort: expect.any(Number) }] } },
        },
      ),
      apply('a headless Service', service(NS, 'headless', { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] }), {
        status: 201,
        body: { spec: { clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432, targetPort: 5432 }], ...SINGLE_STACK } },
      }),
      apply(
        'an ExternalName Service: no cluster IP, no IP families',
        service(NS, 'external', { type: 'ExternalName', externalName: 'db.example.com' }),
        {
          status: 201,
          body: { spec: { type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' } },
          absent: ['spec.clusterIP', 'spec.ipFamilies', 'spec.internalTrafficPolicy'],
        },
      ),
      apply('a Service without selector', service(NS, 'bare', { ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }] }), {
        status: 201,
        absent: ['spec.selector'],
      }),
      apply(
        'a LoadBalancer Service',
        service(NS, 'lb', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443 }] }),
        {
          status: 201,
          body: {
            spec: { allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster', ports: [{ nodePort: expect.any(Number) }] },
            status: { loadBalancer: {} },
          },
        },
      ),
      get('the LoadBalancer Service read back', `/api/v1/namespaces/${NS}/services/lb`, 200),
    ],
  },
  {
    name: 'service-rules',
    about: 'Service: clusterIP is immutable, ports need names when there are several, targetPort strings must be names',
    transcript: '14-service-rules',
    steps: [
      namespace(RULES),
      apply('a Service', service(RULES, 'web', { selector: { app: 'web' }, ports: [{ port: 80 }] }), 201),
      patch(
        'changing clusterIP is refused',
        `/api/v1/namespaces/${RULES}/services/web`,
        'merge',
        { spec: { clusterIP: '10.96.200.200', clusterIPs: ['10.96.200.200'] } },
        refused('spec.clusterIPs[0]', 'Invalid value: []string{"10.96.200.200"}: may not change once set'),
      ),
      apply(
        'apply without clusterIP keeps the allocated one',
        service(RULES, 'web', { selector: { app: 'other' }, ports: [{ port: 80 }] }),
        {
          status: 200,
          body: { spec: { clusterIP, selector: { app: 'other' } } },
        },
      ),
      create('two ports without names', service(RULES, 'two', { ports: [{ port: 80 }, { port: 81 }] }), {
        status: 422,
        body: { message: 'Service "two" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]' },
      }),
      create(
        'a targetPort that is a number in a string',
        service(RULES, 'numeric', { ports: [{ port: 80, targetPort: '8080' }] }),
        refused('spec.ports[0].targetPort', 'Invalid value: "8080": must contain at least one letter or number (a-z, 0-9)'),
      ),
      create('a Service name that is not a DNS-1035 label', service(RULES, '1web', { ports: [{ port: 80 }] }), {
        status: 422,
        body: { details: { causes: [{ field: 'metadata.name' }] } },
      }),
      create(
        'an ExternalName Service without externalName',
        service(RULES, 'ext', { type: 'ExternalName' }),
        refused('spec.externalName', 'Required value'),
      ),
      create(
        'a nodePort on a ClusterIP Service',
        service(RULES, 'np', { ports: [{ port: 80, nodePort: 30080 }] }),
        refused('spec.ports[0].nodePort', "Forbidden: may not be used when `type` is 'ClusterIP'"),
      ),
      create('a port out of range', service(RULES, 'range', { ports: [{ port: 70000 }] }), {
        status: 422,
        body: { details: { causes: [{ field: 'spec.ports[0].port' }, { field: 'spec.ports[0].targetPort' }] } },
      }),
      patch(
        'switching to ExternalName drops the cluster IP and IP families',
        `/api/v1/namespaces/${RULES}/services/web`,
        'merge',
        { spec: { type: 'ExternalName', externalName: 'web.example.com', clusterIP: null, clusterIPs: null, selector: null } },
        {
          status: 200,
          body: { spec: { type: 'ExternalName' } },
          absent: ['spec.clusterIP', 'spec.clusterIPs', 'spec.ipFamilies', 'spec.ipFamilyPolicy'],
        },
      ),
    ],
  },
];
