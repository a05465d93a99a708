import { expect } from 'vitest';
import { apply, create, defaultServiceAccount, get, namespace, objectPath, patch, put, remove, wait, type Scenario } from '../scenario';

const NS = 'cf-core';
const cm = (name: string, rest: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, ...(labels ? { labels } : {}) },
  ...rest,
});
const secret = (name: string, rest: Record<string, unknown>, metadata: Record<string, unknown> = { namespace: 'cf-secret' }) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, ...metadata },
  ...rest,
});
const base64 = (text: string) => Buffer.from(text).toString('base64');
const invalidAt = (field: string, reason: string) => ({
  status: 422,
  body: { reason: 'Invalid', details: { causes: [{ field, reason }] } },
});
const IMMUTABLE_DATA = invalidAt('data', 'FieldValueForbidden');

export const CORE_SCENARIOS: Scenario[] = [
  {
    name: 'configmap',
    about: 'ConfigMap: empty maps, binaryData, immutable, keys',
    transcript: '10-configmap-and-secret-rules',
    steps: [
      namespace(NS),
      apply('apply a ConfigMap with empty data and labels: stored without them, still owned', cm('empty', { data: {} }, {}), {
        status: 201,
        body: { metadata: { managedFields: [{ manager: 'gitfleet', fieldsV1: { 'f:data': {}, 'f:metadata': { 'f:labels': {} } } }] } },
        absent: ['data', 'metadata.labels'],
      }),
      get('read it back', objectPath(cm('empty')), { status: 200, absent: ['data', 'metadata.labels'] }),
      apply('apply a ConfigMap with data and binaryData', cm('both', { data: { a: '1' }, binaryData: { b: 'AAEC' } }), {
        status: 201,
        body: { data: { a: '1' }, binaryData: { b: 'AAEC' } },
      }),
      apply('an immutable ConfigMap', cm('frozen', { data: { a: '1' }, immutable: true }), 201),
      apply('changing its data is refused', cm('frozen', { data: { a: '2' }, immutable: true }), IMMUTABLE_DATA),
      apply(
        'making it mutable again is refused',
        cm('frozen', { data: { a: '1' }, immutable: false }),
        invalidAt('immutable', 'FieldValueForbidden'),
      ),
      patch(
        'adding a label to it is allowed',
        objectPath(cm('frozen')),
        'merge',
        { metadata: { labels: { x: 'y' } } },
        {
          status: 200,
          body: { immutable: true, metadata: { labels: { x: 'y' } } },
        },
      ),
      apply(
        'a key that is not a valid ConfigMap key',
        cm('bad-key', { data: { 'a/b': '1' } }),
        invalidAt('data[a/b]', 'FieldValueInvalid'),
      ),
      apply('the same key in data and binaryData', cm('dup-key', { data: { a: '1' }, binaryData: { a: 'AAEC' } }), {
        status: 422,
        body: { message: 'ConfigMap "dup-key" is invalid: data[a]: Invalid value: "a": duplicate of key present in binaryData' },
      }),
    ],
  },
  {
    name: 'secret',
    about: 'Secret: base64 data, stringData, the types and their keys, immutable',
    transcript: '10-configmap-and-secret-rules',
    steps: [
      namespace('cf-secret'),
      create('data that is not base64 is refused', secret('not-base64', { data: { a: 'not base64!' } }), {
        status: 400,
        body: {
          reason: 'BadRequest',
          message: 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
        },
      }),
      apply('apply: data that is not base64 is refused', secret('not-base64', { data: { a: 'not base64!' } }), {
        status: 500,
        body: {
          message:
            'failed to convert new object (cf-secret/not-base64; /v1, Kind=Secret) to proper version: unable to convert unstructured object to /v1, Kind=Secret: error decoding from json: illegal base64 data at input byte 3',
        },
      }),
      create(
        'a dockerconfigjson Secret whose .dockerconfigjson is not JSON is refused, its contents not shown',
        secret('pull', { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': base64('not json') } }),
        {
          status: 422,
          body: {
            message:
              'Secret "pull" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character \'o\' in literal null (expecting \'u\')',
          },
        },
      ),
      create(
        'a dockerconfigjson Secret without .dockerconfigjson is refused',
        secret('pull', { type: 'kubernetes.io/dockerconfigjson', data: {} }),
        {
          status: 422,
          body: { message: 'Secret "pull" is invalid: data[.dockerconfigjson]: Required value' },
        },
      ),
      create(
        'a valid dockerconfigjson Secret from stringData',
        secret('pull', { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } }),
        { status: 201, body: { data: { '.dockerconfigjson': base64('{"auths":{}}') } }, absent: ['stringData'] },
      ),
      create('a TLS Secret without tls.key is refused', secret('tls', { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } }), {
        status: 422,
        body: { message: 'Secret "tls" is invalid: data[tls.key]: Required value' },
      }),
      create(
        'a basic-auth Secret with a username',
        secret('basic', { type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } }),
        201,
      ),
      apply('an Opaque Secret with empty data', secret('empty', { data: {} }), { status: 201, body: { type: 'Opaque' }, absent: ['data'] }),
      apply('an immutable Secret', secret('frozen', { immutable: true, stringData: { a: '1' } }), 201),
      apply('changing its data is refused', secret('frozen', { immutable: true, stringData: { a: '2' } }), IMMUTABLE_DATA),
      patch(
        'changing its type is refused',
        '/api/v1/namespaces/cf-secret/secrets/basic',
        'merge',
        { type: 'Opaque' },
        {
          status: 422,
          body: { message: 'Secret "basic" is invalid: type: Invalid value: "Opaque": field is immutable' },
        },
      ),
    ],
  },
  {
    name: 'serviceaccount',
    about: 'ServiceAccount in 1.24: no token Secret is made; a token Secret asked for is filled',
    transcript: '11-serviceaccount-tokens',
    steps: [
      namespace('cf-sa'),
      apply(
        'a ServiceAccount (nothing set: nobody owns a field)',
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'cf-sa' } },
        {
          status: 201,
          absent: ['secrets', 'metadata.managedFields'],
        },
      ),
      get('still no secrets a moment later', '/api/v1/namespaces/cf-sa/serviceaccounts/app', { status: 200, absent: ['secrets'] }),
      create(
        'a token Secret for it',
        secret(
          'app-token',
          { type: 'kubernetes.io/service-account-token' },
          { namespace: 'cf-sa', annotations: { 'kubernetes.io/service-account.name': 'app' } },
        ),
        201,
      ),
      wait('the token controller fills it', '/api/v1/namespaces/cf-sa/secrets/app-token', {
        field: 'data.namespace',
        equals: base64('cf-sa'),
      }),
      get('the filled token Secret', '/api/v1/namespaces/cf-sa/secrets/app-token', {
        status: 200,
        body: {
          metadata: {
            annotations: { 'kubernetes.io/service-account.name': 'app', 'kubernetes.io/service-account.uid': expect.any(String) },
          },
          data: { 'ca.crt': expect.any(String), namespace: base64('cf-sa'), token: expect.any(String) },
        },
      }),
      // Two more controllers of the real controller manager act on the namespace, each in its own
      // time: on a loaded machine neither had yet when the token controller was done.
      defaultServiceAccount('cf-sa'),
      wait('the root CA publisher makes kube-root-ca.crt', '/api/v1/namespaces/cf-sa/configmaps/kube-root-ca.crt', { status: 200 }),
      get('the default ServiceAccount', '/api/v1/namespaces/cf-sa/serviceaccounts/default', 200),
      get('the kube-root-ca.crt ConfigMap', '/api/v1/namespaces/cf-sa/configmaps/kube-root-ca.crt', {
        status: 200,
        body: { data: { 'ca.crt': expect.stringContaining('-----BEGIN CERTIFICATE-----') } },
      }),
    ],
  },
  {
    name: 'namespace',
    about: 'Namespace: defaults, the name label, name rules, deletion',
    transcript: '12-namespace-and-watch',
    steps: [
      apply(
        'a Namespace',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cf-ns', labels: { team: 'a' } } },
        {
          status: 201,
          body: {
            metadata: { labels: { team: 'a', 'kubernetes.io/metadata.name': 'cf-ns' } },
            spec: { finalizers: ['kubernetes'] },
            status: { phase: 'Active' },
          },
        },
      ),
      patch(
        'the name label cannot be changed by hand: the patch changes nothing',
        '/api/v1/namespaces/cf-ns',
        'merge',
        { metadata: { labels: { 'kubernetes.io/metadata.name': 'other' } } },
        {
          status: 200,
          body: { metadata: { labels: { 'kubernetes.io/metadata.name': 'cf-ns' } } },
        },
      ),
      put(
        'a PUT with a stale resourceVersion',
        '/api/v1/namespaces/cf-ns',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cf-ns', resourceVersion: '1' } },
        {
          status: 409,
          body: { reason: 'Conflict' },
        },
      ),
      create(
        'an invalid name',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_Name' } },
        invalidAt('metadata.name', 'FieldValueInvalid'),
      ),
      wait(
        'the namespace controller made its ConfigMap, which the watch would see',
        '/api/v1/namespaces/cf-ns/configmaps/kube-root-ca.crt',
        { status: 200 },
      ),
      apply('a ConfigMap to watch', { ...cm('watched', { data: { a: '1' } }), metadata: { name: 'watched', namespace: 'cf-ns' } }, 201),
      apply(
        'it changes',
        { ...cm('watched', { data: { a: '2' } }), metadata: { name: 'watched', namespace: 'cf-ns' } },
        { status: 200, body: { data: { a: '2' } } },
      ),
      get(
        'a watch from the first version sees the change (and ends after a second)',
        '/api/v1/namespaces/cf-ns/configmaps?watch=1&timeoutSeconds=1&resourceVersion={{6:metadata.resourceVersion}}',
        {
          status: 200,
          body: [{ type: 'MODIFIED', object: { metadata: { name: 'watched' }, data: { a: '2' } } }],
        },
      ),
      get('a list with a label selector that matches nothing', '/api/v1/namespaces/cf-ns/configmaps?labelSelector=app%3Dnone', {
        status: 200,
        body: { kind: 'ConfigMapList', items: [] },
      }),
      remove('delete it: it is Terminating first', '/api/v1/namespaces/cf-ns', {
        status: 200,
        body: { metadata: { deletionTimestamp: expect.any(String) }, status: { phase: 'Terminating' } },
      }),
    ],
  },
];
