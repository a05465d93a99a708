import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { certificateFacts, createCertificationRequest, createPrivateKeyPem } from '#core';
import type { FleetClient, RenewCertificateResponse } from '#proto';
import { bearerMetadata, type ClientCertificate } from '../link/fleet-client';
import type { Logger } from '../logger';
import type { CredentialSecret, StoredCertificate } from './credential-secret';
import type { Identity } from './registration';

/** setTimeout's longest delay; a later renewal is re-planned when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CertificateRenewalOptions {
  secret: CredentialSecret;
  /** The client to call RenewCertificate with, presenting this certificate (if any). */
  clientFor: (certificate: ClientCertificate | undefined) => FleetClient;
  clusterName: string;
  logger: Logger;
  /** Gets the identity holding the renewed certificate, once it is stored. */
  onRenewed: (identity: Identity) => void;
  /** Wait before trying a failed renewal again. */
  retryMs?: number;
  callTimeoutMs?: number;
}

/** When a certificate is renewed: at 2/3 of its lifetime, leaving a third of it for retries. */
export function renewalTime(cert: string): number {
  const { notBefore, notAfter } = certificateFacts(cert);
  return notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3;
}

/**
 * Keeps the agent's client certificate fresh (docs/security.md "Rotation"): renews it through
 * RenewCertificate with a new key at 2/3 of its lifetime, stores key and certificate in the
 * credential Secret, then hands the new identity over. An agent without a certificate (it
 * registered with bearer, before the hub had mutual TLS) asks for one at once: the upgrade
 * path. A hub that predates RenewCertificate leaves the agent on its bearer credential.
 */
export class CertificateRenewal {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private identity: Identity | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: CertificateRenewalOptions) {
    this.log = options.logger.child({ module: 'registration' });
  }

  /** The identity tracked now: with the newest certificate. */
  get current(): Identity | undefined {
    return this.identity;
  }

  /** Plans the renewal of `identity`'s certificate (now, when it has none). */
  track(identity: Identity): void {
    this.identity = identity;
    this.plan(identity.certificate === undefined ? Date.now() : renewalTime(identity.certificate.cert));
  }

  /** Renews now; resolves once done or failed (a failure is retried later). */
  renewNow(): Promise<void> {
    return (this.running ??= this.renew().finally(() => (this.running = undefined)));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private plan(at: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const delay = Math.max(0, at - Date.now());
    this.timer = setTimeout(() => (delay > MAX_TIMER_MS ? this.plan(at) : void this.renewNow()), Math.min(delay, MAX_TIMER_MS));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const identity = this.identity;
    if (identity === undefined || this.stopped) return;
    const key = createPrivateKeyPem();
    let response: RenewCertificateResponse;
    try {
      response = await this.call(identity, createCertificationRequest(key, this.options.clusterName));
    } catch (error) {
      const { code, details } = error as Partial<ServiceError>;
      if (code === GrpcStatus.UNIMPLEMENTED) {
        this.log.info('the hub does not issue client certificates (RenewCertificate unimplemented); staying with the bearer credential');
        return;
      }
      this.retryLater({ code: code === undefined ? undefined : GrpcStatus[code], details });
      return;
    }
    if (this.stopped || this.identity !== identity) return;
    const certificate: StoredCertificate = { key, cert: response.clientCertificate, ca: response.caCertificate };
    try {
      await this.options.secret.write(identity.credential, certificate);
    } catch (error) {
      this.retryLater({ err: error instanceof Error ? { message: error.message } : String(error) });
      return;
    }
    const renewed: Identity = { ...identity, certificate };
    const { notAfter, serial } = certificateFacts(certificate.cert);
    this.log.info(
      { serial, notAfter: notAfter.toISOString(), upgradedFromBearer: identity.certificate === undefined },
      'client certificate renewed and stored',
    );
    this.track(renewed);
    this.options.onRenewed(renewed);
  }

  private retryLater(context: Record<string, unknown>): void {
    const retryMs = this.options.retryMs ?? 60_000;
    this.log.warn({ ...context, retryInMs: retryMs }, 'renewing the client certificate failed');
    this.plan(Date.now() + retryMs);
  }

  private call(identity: Identity, csr: string): Promise<RenewCertificateResponse> {
    const metadata = bearerMetadata(identity.credential);
    const deadline = new Date(Date.now() + (this.options.callTimeoutMs ?? 15_000));
    return new Promise((resolve, reject) =>
      this.options
        .clientFor(identity.certificate)
        .renewCertificate({ csr }, metadata, { deadline }, (error, response) => (error ? reject(error) : resolve(response))),
    );
  }
}
