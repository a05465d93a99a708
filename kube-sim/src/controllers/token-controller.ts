import { createHash, randomBytes } from 'node:crypto';
import type { ApiServer } from '../api/api-server';
import { ClusterClient } from './cluster-client';
import { KubeObject, isObject } from '../json-value';
import { typeKeyOf, type StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { keyOf, splitKey } from './owner-references';

const SECRETS = typeKeyOf('', 'secrets');
const TOKEN_TYPE = 'kubernetes.io/service-account-token';
const ACCOUNT_NAME = 'kubernetes.io/service-account.name';
const ACCOUNT_UID = 'kubernetes.io/service-account.uid';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * The token controller of v1.24: ServiceAccounts get no Secret of their own any more, but a
 * `kubernetes.io/service-account-token` Secret that names one is filled with a token, the
 * namespace and the cluster CA, and marked with the account's uid.
 */
export class TokenController implements Controller {
  readonly name = 'tokens';
  private readonly client: ClusterClient;

  constructor(
    api: ApiServer,
    private readonly caPem: string,
  ) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    return event.typeKey === SECRETS && event.type !== 'DELETED' && event.object['type'] === TOKEN_TYPE ? [keyOf(event.object)] : [];
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const secret = this.client.get('v1', 'Secret', namespace, name);
    if (!secret || secret.metadata['deletionTimestamp']) return;
    const annotations = isObject(secret.metadata['annotations']) ? secret.metadata['annotations'] : {};
    const data = isObject(secret['data']) ? secret['data'] : {};
    if (data['token'] !== undefined && annotations[ACCOUNT_UID] !== undefined) return;
    const accountName = String(annotations[ACCOUNT_NAME] ?? '');
    const account = this.client.get('v1', 'ServiceAccount', namespace, accountName);
    // A token for an account that does not exist is removed, as the real controller does.
    if (!account) return this.client.delete(secret);
    const uid = String(account.metadata['uid']);
    this.client.update({
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...annotations, [ACCOUNT_UID]: uid } },
      data: { ...data, 'ca.crt': base64(this.caPem), namespace: base64(namespace), token: base64(tokenFor(secret, accountName, uid)) },
    });
  }
}

/** A JWT-shaped token; the simulator accepts only its own bearer token, so none of these authenticates. */
function tokenFor(secret: KubeObject, account: string, uid: string): string {
  const namespace = String(secret.metadata['namespace']);
  const header = { alg: 'RS256', kid: createHash('sha256').update('kube-sim').digest('base64url').slice(0, 43) };
  const claims = {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secret.metadata.name,
    'kubernetes.io/serviceaccount/service-account.name': account,
    'kubernetes.io/serviceaccount/service-account.uid': uid,
    sub: `system:serviceaccount:${namespace}:${account}`,
  };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.${randomBytes(256).toString('base64url')}`;
}
