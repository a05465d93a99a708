import { apply, get, namespace, patch, wait, type Scenario } from '../scenario';

const NS = 'cf-round-trips';
const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: NS }, data });
const deployment = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', resources }] } },
    ...extra,
  },
});

export const ROUND_TRIP_SCENARIOS: Scenario[] = [
  {
    name: 'quantities',
    about: 'quantities come back in canonical form; a dry-run of the manifest equals the live object',
    steps: [
      namespace(NS),
      apply(
        'resources in many spellings',
        deployment({
          requests: { cpu: '1000m', memory: '1024Mi', 'ephemeral-storage': '1e3' },
          limits: { cpu: '1.5', memory: '1.5Gi', 'ephemeral-storage': '2000000k' },
        }),
        201,
      ),
      wait('the controller saw it', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.observedGeneration', equals: 1 }),
      wait('its Pod is counted', `/apis/apps/v1/namespaces/${NS}/deployments/web`, { field: 'status.unavailableReplicas', equals: 1 }),
      apply(
        'dry-run of the same manifest',
        deployment({
          requests: { cpu: '1000m', memory: '1024Mi', 'ephemeral-storage': '1e3' },
          limits: { cpu: '1.5', memory: '1.5Gi', 'ephemeral-storage': '2000000k' },
        }),
        200,
        { dryRun: true },
      ),
      apply(
        'the canonical spelling is the same value: no change',
        deployment({
          requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1k' },
          limits: { cpu: '1500m', memory: '1536Mi', 'ephemeral-storage': '2G' },
        }),
        200,
      ),
      apply('more spellings', deployment({ requests: { cpu: '0.1', memory: '100M' }, limits: { cpu: '2.0', memory: '1.5Gi' } }), 200),
      apply('an invalid quantity is refused', deployment({ requests: { cpu: 'one' } }), 500),
    ],
  },
  {
    name: 'field-ownership',
    about: 'server-side apply: a field another manager owns, empty maps, int-or-string',
    steps: [
      namespace('cf-ownership'),
      apply('gitfleet applies a ConfigMap', { ...cm({ a: '1' }), metadata: { name: 'shared', namespace: 'cf-ownership' } }, 201),
      patch('someone else adds a key', '/api/v1/namespaces/cf-ownership/configmaps/shared', 'merge', { data: { b: '2' } }, 200),
      apply(
        'gitfleet re-applies without that key: it stays',
        { ...cm({ a: '1' }), metadata: { name: 'shared', namespace: 'cf-ownership' } },
        200,
      ),
      apply(
        'without force, a value another manager owns conflicts',
        { ...cm({ a: '1', b: '3' }), metadata: { name: 'shared', namespace: 'cf-ownership' } },
        409,
        { force: false },
      ),
      apply(
        'a second applier sets the same value: shared ownership',
        { ...cm({ b: '2' }), metadata: { name: 'shared', namespace: 'cf-ownership' } },
        200,
        { manager: 'other', force: false },
      ),
      apply(
        'a Service with targetPort as number, then as name',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'cf-ownership' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        201,
      ),
      apply(
        'targetPort as a name',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'cf-ownership' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
        },
        200,
      ),
      apply(
        'empty labels, annotations and selector',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'cf-ownership', labels: {}, annotations: {} },
          spec: { selector: {}, ports: [{ port: 80, targetPort: 'http' }] },
        },
        200,
      ),
      get('read back', '/api/v1/namespaces/cf-ownership/services/web', 200),
    ],
  },
];
