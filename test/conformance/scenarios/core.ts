import { apply, create, get, namespace, objectPath, patch, put, remove, type Scenario } from '../scenario';

const NS = 'cf-core';
const cm = (name: string, rest: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  ...rest,
});

export const CORE_SCENARIOS: Scenario[] = [
  {
    name: 'configmap',
    about: 'ConfigMap: empty maps, binaryData, immutable',
    steps: [
      namespace(NS),
      apply(
        'apply a ConfigMap with empty data and labels',
        cm('empty', { metadata: { name: 'empty', namespace: NS, labels: {} }, data: {} }),
        201,
      ),
      get('read it back', objectPath(cm('empty', {})), 200),
      apply('apply a ConfigMap with data and binaryData', cm('both', { data: { a: '1' }, binaryData: { b: 'AAEC' } }), 201),
      apply('an immutable ConfigMap', cm('frozen', { data: { a: '1' }, immutable: true }), 201),
      apply('changing its data is refused', cm('frozen', { data: { a: '2' }, immutable: true }), 422),
      apply('making it mutable again is refused', cm('frozen', { data: { a: '1' }, immutable: false }), 422),
      patch('adding a label to it is allowed', objectPath(cm('frozen', {})), 'merge', { metadata: { labels: { x: 'y' } } }, 200),
      apply('a key that is not a valid ConfigMap key', cm('bad-key', { data: { 'a/b': '1' } }), 422),
      apply('the same key in data and binaryData', cm('dup-key', { data: { a: '1' }, binaryData: { a: 'AAEC' } }), 422),
    ],
  },
  {
    name: 'secret',
    about: 'Secret: base64 data, stringData, types, immutable',
    steps: [
      namespace('cf-secret'),
      create(
        'data that is not base64 is refused',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-base64', namespace: 'cf-secret' }, data: { a: 'not base64!' } },
        400,
      ),
      apply(
        'apply: data that is not base64 is refused',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-base64', namespace: 'cf-secret' }, data: { a: 'not base64!' } },
        500,
      ),
      create(
        'a dockerconfigjson Secret whose .dockerconfigjson is not JSON is refused',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pull', namespace: 'cf-secret' },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from('not json').toString('base64') },
        },
        422,
      ),
      create(
        'a dockerconfigjson Secret without .dockerconfigjson is refused',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pull', namespace: 'cf-secret' },
          type: 'kubernetes.io/dockerconfigjson',
          data: {},
        },
        422,
      ),
      create(
        'a valid dockerconfigjson Secret',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pull', namespace: 'cf-secret' },
          type: 'kubernetes.io/dockerconfigjson',
          stringData: { '.dockerconfigjson': '{"auths":{}}' },
        },
        201,
      ),
      create(
        'a TLS Secret without tls.key is refused',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'tls', namespace: 'cf-secret' },
          type: 'kubernetes.io/tls',
          stringData: { 'tls.crt': 'x' },
        },
        422,
      ),
      create(
        'a basic-auth Secret',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'basic', namespace: 'cf-secret' },
          type: 'kubernetes.io/basic-auth',
          stringData: { username: 'u' },
        },
        201,
      ),
      apply(
        'an Opaque Secret with empty data',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty', namespace: 'cf-secret' }, data: {} },
        201,
      ),
      apply(
        'an immutable Secret',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen', namespace: 'cf-secret' }, immutable: true, stringData: { a: '1' } },
        201,
      ),
      apply(
        'changing its data is refused',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen', namespace: 'cf-secret' }, immutable: true, stringData: { a: '2' } },
        422,
      ),
      patch('changing its type is refused', '/api/v1/namespaces/cf-secret/secrets/basic', 'merge', { type: 'Opaque' }, 422),
    ],
  },
  {
    name: 'serviceaccount',
    about: 'ServiceAccount in 1.24: no token Secret is made; a token Secret asked for is filled',
    steps: [
      namespace('cf-sa'),
      apply('a ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'cf-sa' } }, 201),
      get('still no secrets a moment later', '/api/v1/namespaces/cf-sa/serviceaccounts/app', 200),
      create(
        'a token Secret for it',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'app-token', namespace: 'cf-sa', annotations: { 'kubernetes.io/service-account.name': 'app' } },
          type: 'kubernetes.io/service-account-token',
        },
        201,
      ),
      {
        note: 'the token controller fills it',
        wait: {
          path: '/api/v1/namespaces/cf-sa/secrets/app-token',
          until: { field: 'data.namespace', equals: Buffer.from('cf-sa').toString('base64') },
          seconds: 30,
        },
      },
      get('the filled token Secret', '/api/v1/namespaces/cf-sa/secrets/app-token', 200),
      get('the default ServiceAccount', '/api/v1/namespaces/cf-sa/serviceaccounts/default', 200),
      get('the kube-root-ca.crt ConfigMap', '/api/v1/namespaces/cf-sa/configmaps/kube-root-ca.crt', 200),
    ],
  },
  {
    name: 'namespace',
    about: 'Namespace: defaults, labels, name rules',
    steps: [
      apply('a Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cf-ns', labels: { team: 'a' } } }, 201),
      get('read back', '/api/v1/namespaces/cf-ns', 200),
      patch(
        'the name label cannot be changed by hand',
        '/api/v1/namespaces/cf-ns',
        'merge',
        { metadata: { labels: { 'kubernetes.io/metadata.name': 'other' } } },
        200,
      ),
      put(
        'a PUT with a stale resourceVersion',
        '/api/v1/namespaces/cf-ns',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cf-ns', resourceVersion: '1' } },
        409,
      ),
      create('an invalid name', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_Name' } }, 422),
      remove('delete it', '/api/v1/namespaces/cf-ns', 200),
    ],
  },
];
