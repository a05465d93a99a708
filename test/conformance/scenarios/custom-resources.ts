import { apply, create, get, namespace, patch, put, wait, type Scenario } from '../scenario';

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

const applyWidget = (
  note: string,
  name: string,
  spec: Record<string, unknown>,
  expected: Parameters<typeof apply>[2],
  extra: Record<string, unknown> = {},
) => apply(note, { ...widget(name, spec), ...extra }, expected, { plural: 'widgets' });
const createWidget = (note: string, name: string, spec: Record<string, unknown>, expected: Parameters<typeof create>[2]) =>
  create(note, widget(name, spec), expected, { plural: 'widgets' });
const APPLIED = { size: 'small', port: 'http', labels: {}, memory: '1024Mi', extra: { anything: { goes: 1 } } };
const refused = (field: string, message: unknown) => ({ status: 422, body: { details: { causes: [{ field, message }] } } });

export const CUSTOM_RESOURCE_SCENARIOS: Scenario[] = [
  {
    name: 'custom-resources',
    about: 'CustomResourceDefinition: defaults, pruning, validation, status and scale subresources, generation',
    transcript: '22-custom-resource-rules',
    steps: [
      namespace(NS),
      apply('a CRD with defaults, a status and a scale subresource', CRD, {
        status: 201,
        body: {
          spec: { names: { listKind: 'WidgetList', singular: 'widget' }, conversion: { strategy: 'None' } },
          status: { storedVersions: ['v1'] },
        },
      }),
      wait('it is Established', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`, { condition: 'Established' }),
      wait('its group is served', `/apis/${GROUP}/v1/namespaces/${NS}/widgets`, { status: 200 }),
      get('discovery of the new group: status and scale subresources', `/apis/${GROUP}/v1`, {
        status: 200,
        body: {
          resources: [
            { name: 'widgets' },
            { name: 'widgets/status' },
            { name: 'widgets/scale', group: 'autoscaling', version: 'v1', kind: 'Scale' },
          ],
        },
      }),
      applyWidget(
        'an undeclared field in an apply is refused',
        'one',
        { size: 'small', unknown: 'refused' },
        {
          status: 500,
          body: {
            message:
              'failed to create typed patch object (cf-crd/one; conformance.example.com/v1, Kind=Widget): .spec.unknown: field not declared in schema',
          },
        },
      ),
      create(
        'created: defaults filled (in a defaulted object too), undeclared fields pruned; empty metadata maps dropped, empty spec maps kept',
        {
          ...widget('created', { ...APPLIED, unknown: 'dropped' }),
          metadata: { name: 'created', namespace: NS, labels: {}, annotations: {} },
        },
        {
          status: 201,
          body: { spec: { replicas: 1, settings: { mode: 'fast' }, port: 'http', memory: '1024Mi', labels: {} } },
          absent: ['spec.unknown', 'metadata.labels', 'metadata.annotations'],
        },
        { plural: 'widgets' },
      ),
      applyWidget('a Widget applied: untyped maps are owned whole', 'one', APPLIED, {
        status: 201,
        body: {
          metadata: {
            generation: 1,
            managedFields: [{ fieldsV1: { 'f:spec': { 'f:extra': { 'f:anything': { '.': {}, 'f:goes': {} } }, 'f:labels': {} } } }],
          },
        },
      }),
      get('read back', widgetPath('one'), 200),
      applyWidget('re-apply: unchanged', 'one', APPLIED, { status: 200, body: { metadata: { generation: 1 } } }),
      applyWidget(
        'a spec change bumps generation; what the manifest dropped goes, with what held it',
        'one',
        { size: 'large', port: 8080 },
        {
          status: 200,
          body: { metadata: { generation: 2 }, spec: { size: 'large', port: 8080 } },
          absent: ['spec.extra', 'spec.labels', 'spec.memory'],
        },
      ),
      applyWidget(
        'status in an apply to the main resource is ignored',
        'one',
        { size: 'large', port: 8080 },
        { status: 200, absent: ['status'] },
        { status: { phase: 'Ready' } },
      ),
      patch(
        'a status write does not bump generation',
        `${widgetPath('one')}/status`,
        'merge',
        { status: { phase: 'Ready', replicas: 1 } },
        {
          status: 200,
          body: { metadata: { generation: 2 }, status: { phase: 'Ready', replicas: 1 } },
        },
      ),
      get('its scale', `${widgetPath('one')}/scale`, {
        status: 200,
        body: { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 1 } },
      }),
      patch('scale it', `${widgetPath('one')}/scale`, 'merge', { spec: { replicas: 3 } }, { status: 200, body: { spec: { replicas: 3 } } }),
      applyWidget(
        'an enum violation is refused',
        'bad',
        { size: 'medium' },
        refused('spec.size', 'Unsupported value: "medium": supported values: "small", "large"'),
      ),
      createWidget('a missing required field is refused', 'missing', {}, refused('spec.size', 'Required value')),
      createWidget(
        'a wrong type is refused, at the scale path too',
        'wrongtype',
        { size: 'small', replicas: 'two' },
        {
          status: 422,
          body: {
            details: {
              causes: [
                { field: 'spec.replicas' },
                {
                  field: '.spec.replicas',
                  message: 'Invalid value: 0: .spec.replicas accessor error: two is of the type string, expected int64',
                },
              ],
            },
          },
        },
      ),
      createWidget(
        'below the minimum is refused',
        'negative',
        { size: 'small', replicas: -1 },
        {
          status: 422,
          body: {
            details: {
              causes: [
                { field: 'spec.replicas' },
                { field: '.spec.replicas', message: 'Invalid value: -1: should be a non-negative integer' },
              ],
            },
          },
        },
      ),
      put('a PUT of a custom resource needs a resourceVersion', widgetPath('one'), widget('one', { size: 'small' }), {
        status: 422,
        body: {
          message:
            'widgets.conformance.example.com "one" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
        },
      }),
      get('the list', `/apis/${GROUP}/v1/namespaces/${NS}/widgets`, {
        status: 200,
        body: { kind: 'WidgetList', metadata: { continue: '' } },
      }),
    ],
  },
];
