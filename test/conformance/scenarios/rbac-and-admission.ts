import { expect } from 'vitest';
import { apply, create, get, namespace, patch, wait, type Scenario } from '../scenario';

const RBAC = 'rbac.authorization.k8s.io/v1';
const NS = 'cf-rbac';
const rbac = (kind: string, name: string, rest: Record<string, unknown>, namespaced = true) => ({
  apiVersion: RBAC,
  kind,
  metadata: { name, ...(namespaced ? { namespace: NS } : {}) },
  ...rest,
});
const roleRef = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
const admission = (kind: string, name: string, webhooks: unknown[]) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind,
  metadata: { name },
  webhooks,
});
const webhook = (extra: Record<string, unknown>) => ({
  name: 'check.conformance.example.com',
  clientConfig: { service: { name: 'webhook', namespace: NS, path: '/check' } },
  // Matches nothing that exists: the shared cluster must not call it.
  rules: [{ apiGroups: ['conformance.example.com'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nothings'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});
const refused = (field: string, message: string) => ({ status: 422, body: { details: { causes: [{ field, message }] } } });
const WEBHOOK_DEFAULTS = {
  clientConfig: { service: { port: 443 } },
  rules: [{ scope: '*' }],
  matchPolicy: 'Equivalent',
  namespaceSelector: {},
  timeoutSeconds: 10,
};

export const RBAC_AND_ADMISSION_SCENARIOS: Scenario[] = [
  {
    name: 'rbac',
    about: 'Role, RoleBinding, ClusterRole, ClusterRoleBinding: subject defaults, immutable roleRef, empty rules, aggregation',
    transcript: '21-rbac-and-webhooks',
    steps: [
      namespace(NS),
      apply(
        'a Role: its rules are one atomic list',
        rbac('Role', 'reader', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] }),
        {
          status: 201,
          body: { metadata: { managedFields: [{ fieldsV1: { 'f:rules': {} } }] } },
        },
      ),
      apply('a Role without rules: rules null', rbac('Role', 'empty', {}), { status: 201, body: { rules: null } }),
      apply(
        'a RoleBinding to a user, a group and a ServiceAccount',
        rbac('RoleBinding', 'readers', {
          roleRef: roleRef('Role', 'reader'),
          subjects: [
            { kind: 'User', name: 'jane' },
            { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
            { kind: 'ServiceAccount', name: 'app' },
          ],
        }),
        {
          status: 201,
          body: {
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io' }, { apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount' }],
            metadata: { managedFields: [{ fieldsV1: { 'f:roleRef': {}, 'f:subjects': {} } }] },
          },
          absent: ['subjects.2.apiGroup'],
        },
      ),
      patch(
        'changing roleRef is refused',
        `/apis/${RBAC}/namespaces/${NS}/rolebindings/readers`,
        'merge',
        { roleRef: { name: 'empty' } },
        refused(
          'roleRef',
          'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"empty"}: cannot change roleRef',
        ),
      ),
      apply(
        'an aggregated ClusterRole',
        rbac(
          'ClusterRole',
          'conformance-aggregate',
          { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'conformance.example.com/aggregate': 'true' } }] } },
          false,
        ),
        { status: 201, body: { rules: null } },
      ),
      apply(
        'a ClusterRole that joins it',
        {
          ...rbac(
            'ClusterRole',
            'conformance-part',
            {
              rules: [
                { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
                { nonResourceURLs: ['/healthz'], verbs: ['get'] },
              ],
            },
            false,
          ),
          metadata: { name: 'conformance-part', labels: { 'conformance.example.com/aggregate': 'true' } },
        },
        201,
      ),
      wait('the aggregation controller gave it rules', `/apis/${RBAC}/clusterroles/conformance-aggregate`, {
        field: 'rules.0.verbs.0',
        equals: 'get',
      }),
      get('the aggregated ClusterRole, its rules applied by the controller', `/apis/${RBAC}/clusterroles/conformance-aggregate`, {
        status: 200,
        body: {
          rules: [{ resources: ['deployments'] }, { nonResourceURLs: ['/healthz'] }],
          metadata: {
            managedFields: expect.arrayContaining([
              expect.objectContaining({ manager: 'clusterrole-aggregation-controller', operation: 'Apply' }),
            ]),
          },
        },
      }),
      apply(
        'a ClusterRoleBinding',
        rbac(
          'ClusterRoleBinding',
          'conformance-view',
          { roleRef: roleRef('ClusterRole', 'view'), subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: NS }] },
          false,
        ),
        201,
      ),
      create(
        'a ServiceAccount subject without namespace is refused in a ClusterRoleBinding',
        rbac(
          'ClusterRoleBinding',
          'conformance-nons',
          { roleRef: roleRef('ClusterRole', 'view'), subjects: [{ kind: 'ServiceAccount', name: 'app' }] },
          false,
        ),
        refused('subjects[0].namespace', 'Required value'),
      ),
      create(
        'a rule without verbs is refused',
        rbac('Role', 'noverbs', { rules: [{ apiGroups: [''], resources: ['pods'] }] }),
        refused('rules[0].verbs', 'Required value: verbs must contain at least one value'),
      ),
    ],
  },
  {
    name: 'webhook-configurations',
    about: 'Validating and mutating webhook configurations: the many defaults, generation, validation',
    transcript: '21-rbac-and-webhooks',
    steps: [
      namespace('cf-webhooks'),
      apply(
        'a ValidatingWebhookConfiguration',
        admission('ValidatingWebhookConfiguration', 'conformance-validating', [webhook({ failurePolicy: 'Ignore' })]),
        {
          status: 201,
          body: { metadata: { generation: 1 }, webhooks: [{ ...WEBHOOK_DEFAULTS, objectSelector: {}, failurePolicy: 'Ignore' }] },
          absent: ['webhooks.0.reinvocationPolicy'],
        },
      ),
      apply(
        'a MutatingWebhookConfiguration',
        admission('MutatingWebhookConfiguration', 'conformance-mutating', [
          webhook({ failurePolicy: 'Ignore', objectSelector: { matchLabels: { never: 'true' } }, timeoutSeconds: 5 }),
        ]),
        { status: 201, body: { webhooks: [{ ...WEBHOOK_DEFAULTS, timeoutSeconds: 5, reinvocationPolicy: 'Never' }] } },
      ),
      create(
        'a webhook without sideEffects is refused',
        admission('ValidatingWebhookConfiguration', 'conformance-nosideeffects', [{ ...webhook({}), sideEffects: undefined }]),
        refused('webhooks[0].sideEffects', 'Required value: must specify one of None, NoneOnDryRun'),
      ),
      create(
        'a webhook name that is not a qualified domain is refused',
        admission('ValidatingWebhookConfiguration', 'conformance-badname', [webhook({ name: 'check' })]),
        refused('webhooks[0].name', 'Invalid value: "check": should be a domain with at least three segments separated by dots'),
      ),
    ],
  },
];
