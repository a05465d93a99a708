import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { FleetClient, RegisterResponse } from '#proto';
import { Backoff, type BackoffOptions } from '#core';
import type { Logger } from '../logger';
import { AGENT_VERSION } from '../version';
import { createCertificationRequest, createPrivateKeyPem } from '#core';
import { CREDENTIAL_SECRET, CredentialSecret, type StoredCertificate } from './credential-secret';

export interface Identity {
  clusterId: string;
  credential: string;
  /** The client certificate from the hub's CA, when the hub issued one (mutual TLS). */
  certificate?: StoredCertificate;
}

export interface RegistrationOptions {
  core: CoreV1Api;
  client: FleetClient;
  namespace: string;
  clusterName: string;
  clusterLabels: Record<string, string>;
  bootstrapToken?: string;
  logger: Logger;
  signal: AbortSignal;
  backoff?: BackoffOptions;
  registerTimeoutMs?: number;
}

/** Registration waits: 1 s doubling up to 1 min (a refused bootstrap token needs a human). */
export function defaultRegistrationBackoff(): BackoffOptions {
  return { baseMs: 1_000, factor: 2, capMs: 60_000, resetAfterMs: Number.POSITIVE_INFINITY };
}

/** The cluster id is the part of the credential before the first '.': `<cluster-id>.<secret>`. */
export function clusterIdOf(credential: string): string | undefined {
  const dot = credential.indexOf('.');
  return dot > 0 && dot < credential.length - 1 ? credential.slice(0, dot) : undefined;
}

/**
 * The registration state machine of docs/protocol.md: stored credential → done; otherwise
 * read the cluster identity, Register with the bootstrap token, store the credential, forget
 * the token. Every failure waits with backoff and starts over from the stored credential.
 * Neither the credential nor the bootstrap token is ever logged.
 */
export async function obtainIdentity(options: RegistrationOptions): Promise<Identity> {
  const secret = new CredentialSecret(options.core, options.namespace);
  const backoff = new Backoff(options.backoff ?? defaultRegistrationBackoff());
  const log = options.logger.child({ module: 'registration' });
  const where = `Secret ${options.namespace}/${CREDENTIAL_SECRET}`;
  let bootstrapToken = options.bootstrapToken;

  for (;;) {
    options.signal.throwIfAborted();
    try {
      const { credential: stored, certificate } = await secret.readAll();
      const storedId = stored === undefined ? undefined : clusterIdOf(stored);
      if (stored !== undefined && storedId !== undefined) {
        log.info({ clusterId: storedId, clientCertificate: certificate !== undefined }, `using the credential stored in ${where}`);
        return { clusterId: storedId, credential: stored, ...(certificate === undefined ? {} : { certificate }) };
      }
      if (stored !== undefined) {
        log.error(`the credential in ${where} is malformed; registering again`);
      }
      if (bootstrapToken === undefined) {
        log.error(`no credential in ${where} and no BOOTSTRAP_TOKEN: cannot register; waiting for either`);
      } else {
        const clusterUid = await kubeSystemUid(options.core);
        // A new key for every registration; a hub that predates mutual TLS ignores the CSR.
        const key = createPrivateKeyPem();
        const response = await register(options, bootstrapToken, clusterUid, createCertificationRequest(key, options.clusterName));
        const issued: StoredCertificate | undefined =
          response.clientCertificate === '' ? undefined : { key, cert: response.clientCertificate, ca: response.caCertificate };
        await secret.write(response.credential, issued);
        bootstrapToken = undefined; // the token is needed no more; the credential replaces it
        log.info(
          { clusterId: response.clusterId, clusterName: response.clusterName, clientCertificate: issued !== undefined },
          `registered; credential stored in ${where}`,
        );
        return { clusterId: response.clusterId, credential: response.credential, ...(issued === undefined ? {} : { certificate: issued }) };
      }
    } catch (error) {
      logFailure(log, error);
    }
    await sleep(backoff.next(), options.signal);
  }
}

async function kubeSystemUid(core: CoreV1Api): Promise<string> {
  const namespace = await core.readNamespace({ name: 'kube-system' });
  const uid = namespace.metadata?.uid;
  if (!uid) throw new Error('the kube-system namespace has no UID');
  return uid;
}

function register(options: RegistrationOptions, bootstrapToken: string, clusterUid: string, csr: string): Promise<RegisterResponse> {
  const deadline = new Date(Date.now() + (options.registerTimeoutMs ?? 15_000));
  return new Promise((resolve, reject) => {
    options.client.register(
      {
        bootstrapToken,
        clusterUid,
        name: options.clusterName,
        labels: options.clusterLabels,
        agentVersion: AGENT_VERSION,
        csr,
      },
      new Metadata(),
      { deadline },
      (error, response) => (error ? reject(error) : resolve(response)),
    );
  });
}

function logFailure(log: Logger, error: unknown): void {
  const code = (error as Partial<ServiceError>)?.code;
  const details = (error as Partial<ServiceError>)?.details;
  switch (code) {
    case GrpcStatus.UNAUTHENTICATED:
      log.error({ code: 'UNAUTHENTICATED', details }, 'the hub refused the bootstrap token; retrying with backoff');
      return;
    case GrpcStatus.ALREADY_EXISTS:
      log.error({ code: 'ALREADY_EXISTS', details }, 'another cluster already holds this CLUSTER_NAME on the hub; retrying with backoff');
      return;
    case GrpcStatus.INVALID_ARGUMENT:
      log.error({ code: 'INVALID_ARGUMENT', details }, 'the hub refused the registration request; retrying with backoff');
      return;
    default:
      log.warn({ err: error instanceof Error ? { message: error.message } : String(error) }, 'registration failed; retrying with backoff');
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Why a signal aborted, as an Error (AbortSignal gives a DOMException unless told otherwise). */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}
