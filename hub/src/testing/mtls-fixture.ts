import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createCertificationRequest, createPrivateKeyPem, createServerCertificate, type KeyAndCertificate } from '#core';
import type { RegisterResponse, RenewCertificateResponse } from '#proto';
import { TestAgent, type TestHub } from './hub-fixture';

/** Test scaffolding for mutual TLS: a server certificate on disk for the hub, agents over TLS. */
export class MtlsFixture {
  readonly server: KeyAndCertificate = createServerCertificate('hub', { dns: ['localhost'], ip: ['127.0.0.1'] }, 24 * 3600_000);
  private readonly dir = mkdtempSync(join(tmpdir(), 'gitfleet-mtls-'));
  /** Hub settings that serve gRPC over TLS with `server`. */
  readonly hubTls = { grpcTlsCertFile: join(this.dir, 'tls.crt'), grpcTlsKeyFile: join(this.dir, 'tls.key') };

  constructor() {
    writeFileSync(this.hubTls.grpcTlsCertFile, this.server.cert);
    writeFileSync(this.hubTls.grpcTlsKeyFile, this.server.key);
  }

  /** An agent over TLS trusting the hub's server certificate, presenting `client` when given. */
  agent(t: TestHub, client?: { key: string; cert: string }): TestAgent {
    return new TestAgent(
      t.hub.grpcAddress,
      grpc.credentials.createSsl(
        Buffer.from(this.server.cert),
        client === undefined ? null : Buffer.from(client.key),
        client === undefined ? null : Buffer.from(client.cert),
      ),
    );
  }

  /** Registers over TLS with a CSR for a new key; the key and what the hub answered. */
  async registerWithCsr(t: TestHub, name: string): Promise<{ key: string; response: RegisterResponse }> {
    const key = createPrivateKeyPem();
    const agent = this.agent(t);
    try {
      const csr = createCertificationRequest(key, name);
      return { key, response: await agent.register({ bootstrapToken: t.bootstrapToken, clusterUid: `uid-${name}`, name, csr }) };
    } finally {
      agent.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** RenewCertificate as `agent` (its client certificate, if any), with a bearer credential when given. */
export function renewCertificate(agent: TestAgent, csr: string, credential?: string): Promise<RenewCertificateResponse> {
  const metadata = new grpc.Metadata();
  if (credential !== undefined) metadata.set('authorization', `Bearer ${credential}`);
  return new Promise((resolve, reject) =>
    agent.client.renewCertificate({ csr }, metadata, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

/** The code and details of a refused call (throws if it was not refused). */
export function refusal(promise: Promise<unknown>): Promise<{ code: grpc.status; details: string }> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: grpc.ServiceError) => ({ code: error.code, details: error.details }),
  );
}
