import { apply, create, get, namespace, patch, wait, type Scenario } from '../scenario';

const RBAC = 'rbac.authorization.k8s.io/v1';
const NS = 'cf-rbac';
const webhook = (extra: Record<string, unknown>) => ({
  name: 'check.conformance.example.com',
  clientConfig: { service: { name: 'webhook', namespace: NS, path: '/check' } },
  // Matches nothing that exists: the shared cluster must not call it.
  rules: [{ apiGroups: ['conformance.example.com'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nothings'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});

export const RBAC_AND_ADMISSION_SCENARIOS: Scenario[] = [
  {
    name: 'rbac',
    about: 'Role, RoleBinding, ClusterRole, ClusterRoleBinding: subject defaults, immutable roleRef, empty rules',
    steps: [
      namespace(NS),
      apply(
        'a Role',
        {
          apiVersion: RBAC,
          kind: 'Role',
          metadata: { name: 'reader', namespace: NS },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
        },
        201,
      ),
      apply('a Role without rules', { apiVersion: RBAC, kind: 'Role', metadata: { name: 'empty', namespace: NS } }, 201),
      apply(
        'a RoleBinding to a user, a group and a ServiceAccount',
        {
          apiVersion: RBAC,
          kind: 'RoleBinding',
          metadata: { name: 'readers', namespace: NS },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
          subjects: [
            { kind: 'User', name: 'jane' },
            { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
            { kind: 'ServiceAccount', name: 'app' },
          ],
        },
        201,
      ),
      patch(
        'changing roleRef is refused',
        `/apis/${RBAC}/namespaces/${NS}/rolebindings/readers`,
        'merge',
        { roleRef: { name: 'empty' } },
        422,
      ),
      apply(
        'an aggregated ClusterRole',
        {
          apiVersion: RBAC,
          kind: 'ClusterRole',
          metadata: { name: 'conformance-aggregate' },
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'conformance.example.com/aggregate': 'true' } }] },
        },
        201,
      ),
      apply(
        'a ClusterRole that joins it',
        {
          apiVersion: RBAC,
          kind: 'ClusterRole',
          metadata: { name: 'conformance-part', labels: { 'conformance.example.com/aggregate': 'true' } },
          rules: [
            { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
            { nonResourceURLs: ['/healthz'], verbs: ['get'] },
          ],
        },
        201,
      ),
      wait('the aggregation controller gave it rules', `/apis/${RBAC}/clusterroles/conformance-aggregate`, {
        field: 'rules.0.verbs.0',
        equals: 'get',
      }),
      get('the aggregated ClusterRole gets its rules', `/apis/${RBAC}/clusterroles/conformance-aggregate`, 200),
      apply(
        'a ClusterRoleBinding',
        {
          apiVersion: RBAC,
          kind: 'ClusterRoleBinding',
          metadata: { name: 'conformance-view' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: NS }],
        },
        201,
      ),
      create(
        'a ServiceAccount subject without namespace is refused in a ClusterRoleBinding',
        {
          apiVersion: RBAC,
          kind: 'ClusterRoleBinding',
          metadata: { name: 'conformance-nons' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'app' }],
        },
        422,
      ),
      create(
        'a rule without verbs is refused',
        { apiVersion: RBAC, kind: 'Role', metadata: { name: 'noverbs', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'] }] },
        422,
      ),
    ],
  },
  {
    name: 'webhook-configurations',
    about: 'Validating and mutating webhook configurations: the many defaults',
    steps: [
      namespace('cf-webhooks'),
      apply(
        'a ValidatingWebhookConfiguration',
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'conformance-validating' },
          webhooks: [webhook({ failurePolicy: 'Ignore' })],
        },
        201,
      ),
      apply(
        'a MutatingWebhookConfiguration',
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'MutatingWebhookConfiguration',
          metadata: { name: 'conformance-mutating' },
          webhooks: [webhook({ failurePolicy: 'Ignore', objectSelector: { matchLabels: { never: 'true' } }, timeoutSeconds: 5 })],
        },
        201,
      ),
      create(
        'a webhook without sideEffects is refused',
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'conformance-nosideeffects' },
          webhooks: [{ ...webhook({}), sideEffects: undefined }],
        },
        422,
      ),
      create(
        'a webhook name that is not a qualified domain is refused',
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingWebhookConfiguration',
          metadata: { name: 'conformance-badname' },
          webhooks: [webhook({ name: 'check' })],
        },
        422,
      ),
    ],
  },
];
