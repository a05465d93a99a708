import { apply, create, get, patch, wait, namespace, put, type Scenario } from '../scenario';

const GROUP = 'conformance.example.com';
const NS = 'cf-crd';
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wdg'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'string', enum: ['small', 'large'] },
                  replicas: { type: 'integer', default: 1, minimum: 0 },
                  port: { 'x-kubernetes-int-or-string': true },
                  settings: {
                    type: 'object',
                    default: {},
                    properties: { mode: { type: 'string', default: 'fast' }, level: { type: 'integer' } },
                  },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                  memory: { type: 'string' },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};
const widget = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'Widget',
  metadata: { name, namespace: NS },
  spec,
});
const widgetPath = (name: string) => `/apis/${GROUP}/v1/namespaces/${NS}/widgets/${name}`;

export const CUSTOM_RESOURCE_SCENARIOS: Scenario[] = [
  {
    name: 'custom-resources',
    about: 'CustomResourceDefinition: defaults, pruning, validation, status and scale subresources, generation',
    steps: [
      namespace(NS),
      apply('a CRD with defaults, a status and a scale subresource', CRD, 201),
      wait('it is Established', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`, { condition: 'Established' }),
      wait('its group is served', `/apis/${GROUP}/v1/namespaces/${NS}/widgets`, { status: 200 }),
      get('discovery of the new group', `/apis/${GROUP}/v1`, 200),
      apply('an undeclared field in an apply is refused', widget('one', { size: 'small', unknown: 'refused' }), 500, { plural: 'widgets' }),
      create(
        'a Widget created: defaults filled, undeclared fields pruned, int-or-string and quantity-like strings kept',
        widget('created', {
          size: 'small',
          port: 'http',
          unknown: 'dropped',
          labels: {},
          memory: '1024Mi',
          extra: { anything: { goes: 1 } },
        }),
        201,
        { plural: 'widgets' },
      ),
      apply(
        'a Widget applied',
        widget('one', { size: 'small', port: 'http', labels: {}, memory: '1024Mi', extra: { anything: { goes: 1 } } }),
        201,
        { plural: 'widgets' },
      ),
      get('read back', widgetPath('one'), 200),
      apply(
        're-apply: unchanged',
        widget('one', { size: 'small', port: 'http', labels: {}, memory: '1024Mi', extra: { anything: { goes: 1 } } }),
        200,
        { plural: 'widgets' },
      ),
      apply('a spec change bumps generation', widget('one', { size: 'large', port: 8080 }), 200, { plural: 'widgets' }),
      apply(
        'status in an apply to the main resource is ignored',
        { ...widget('one', { size: 'large', port: 8080 }), status: { phase: 'Ready' } },
        200,
        { plural: 'widgets' },
      ),
      patch(
        'a status write does not bump generation',
        `${widgetPath('one')}/status`,
        'merge',
        { status: { phase: 'Ready', replicas: 1 } },
        200,
      ),
      get('its scale', `${widgetPath('one')}/scale`, 200),
      patch('scale it', `${widgetPath('one')}/scale`, 'merge', { spec: { replicas: 3 } }, 200),
      apply('an enum violation is refused', widget('bad', { size: 'medium' }), 422, { plural: 'widgets' }),
      create('a missing required field is refused', widget('missing', {}), 422, { plural: 'widgets' }),
      create('a wrong type is refused', widget('wrongtype', { size: 'small', replicas: 'two' }), 422, { plural: 'widgets' }),
      create('below the minimum is refused', widget('negative', { size: 'small', replicas: -1 }), 422, { plural: 'widgets' }),
      put('a PUT of a custom resource needs a resourceVersion', widgetPath('one'), widget('one', { size: 'small' }), 422),
      get('the list, printed', `/apis/${GROUP}/v1/namespaces/${NS}/widgets`, 200),
    ],
  },
];
