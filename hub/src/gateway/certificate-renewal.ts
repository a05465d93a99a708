import { Metadata, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { RenewCertificateRequest, RenewCertificateResponse } from '#proto';
import type { IssuedCertificate } from '../clusters/client-certificates.service';
import type { AuthenticatedCluster } from '../clusters/clusters.service';
import { RegistrationError, type RegistrationErrorCode } from '../clusters/registration';
import type { Logger } from '../logging/logger';
import type { AgentAuthentication, AuthenticatableCall } from './agent-authenticator';
import { unauthenticated } from './credential-refusal';

/** The gRPC status of a refused registration or renewal. */
export const REGISTRATION_STATUS: Record<RegistrationErrorCode, GrpcStatus> = {
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  invalid_argument: GrpcStatus.INVALID_ARGUMENT,
  already_exists: GrpcStatus.ALREADY_EXISTS,
};

export interface CertificateRenewalContext {
  authenticate(call: AuthenticatableCall): Promise<AgentAuthentication>;
  renew(cluster: AuthenticatedCluster, csr: string): Promise<IssuedCertificate>;
  log: Logger;
}

/**
 * RenewCertificate: authenticated like Connect; a new client certificate for the CSR's key,
 * for the cluster the call is from (never one the CSR names). A bad CSR is INVALID_ARGUMENT
 * naming what is wrong; nothing is issued.
 */
export async function renewCertificate(
  context: CertificateRenewalContext,
  call: ServerUnaryCall<RenewCertificateRequest, RenewCertificateResponse>,
  callback: sendUnaryData<RenewCertificateResponse>,
): Promise<void> {
  const fail = (code: GrpcStatus, details: string) => callback({ code, details, metadata: new Metadata() });
  try {
    const auth = await context.authenticate(call);
    if (auth.refused !== undefined) {
      context.log.warn({ peer: call.getPeer(), reason: auth.refused }, 'certificate renewal refused: not authenticated');
      return callback(unauthenticated(auth.refused));
    }
    const issued = await context.renew(auth.cluster, call.request.csr);
    callback(null, { clientCertificate: issued.clientCertificate, caCertificate: issued.caCertificate });
  } catch (error) {
    if (error instanceof RegistrationError) {
      context.log.warn({ reason: error.message }, 'certificate renewal refused');
      return fail(REGISTRATION_STATUS[error.code], error.message);
    }
    context.log.error({ err: error }, 'certificate renewal failed');
    fail(GrpcStatus.UNAVAILABLE, 'certificate renewal failed; retry');
  }
}
