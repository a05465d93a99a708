import { ApiException, type CoreV1Api, type V1Secret } from '@kubernetes/client-node';

export const CREDENTIAL_SECRET = 'gitfleet-agent';
export const CREDENTIAL_KEY = 'credential';
/** The agent's client certificate (mutual TLS), its key, and the hub CA that signed it. */
export const TLS_KEY = 'tls.key';
export const TLS_CERT = 'tls.crt';
export const CA_CERT = 'ca.crt';

/** A client certificate from the hub's CA with its key, PEM. */
export interface StoredCertificate {
  key: string;
  cert: string;
  ca: string;
}

/** The agent's credential (and client certificate, when it has one), kept in a Secret in its own namespace. */
export class CredentialSecret {
  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
  ) {}

  /** The stored credential, or undefined when there is none yet. */
  async read(): Promise<string | undefined> {
    return (await this.readAll()).credential;
  }

  /** The stored credential and client certificate (undefined unless key, certificate and CA are all there). */
  async readAll(): Promise<{ credential?: string; certificate?: StoredCertificate }> {
    let secret: V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: CREDENTIAL_SECRET, namespace: this.namespace });
    } catch (error) {
      if (isStatus(error, 404)) return {};
      throw error;
    }
    const field = (key: string): string | undefined => {
      const encoded = secret.data?.[key];
      // stringData is write-only on a real API server; a simpler server may echo it back.
      const value = encoded !== undefined ? Buffer.from(encoded, 'base64').toString('utf8') : secret.stringData?.[key];
      return value?.trim() ? value : undefined;
    };
    const [key, cert, ca] = [field(TLS_KEY), field(TLS_CERT), field(CA_CERT)];
    const credential = field(CREDENTIAL_KEY)?.trim();
    return {
      ...(credential === undefined ? {} : { credential }),
      ...(key === undefined || cert === undefined || ca === undefined ? {} : { certificate: { key, cert, ca } }),
    };
  }

  /** Forgets the stored credential (the hub rejected it for good); absent is fine. */
  async clear(): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ name: CREDENTIAL_SECRET, namespace: this.namespace });
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  /** Stores the credential (and the client certificate, if any), creating the namespace and the Secret if needed. */
  async write(credential: string, certificate?: StoredCertificate): Promise<void> {
    const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    await this.ensureNamespace();
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: CREDENTIAL_SECRET,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/name': 'gitfleet-agent', 'app.kubernetes.io/component': 'credential' },
      },
      data: {
        [CREDENTIAL_KEY]: encode(credential),
        ...(certificate === undefined
          ? {}
          : { [TLS_KEY]: encode(certificate.key), [TLS_CERT]: encode(certificate.cert), [CA_CERT]: encode(certificate.ca) }),
      },
    };
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      await this.core.replaceNamespacedSecret({ name: CREDENTIAL_SECRET, namespace: this.namespace, body });
    }
  }

  private async ensureNamespace(): Promise<void> {
    try {
      await this.core.readNamespace({ name: this.namespace });
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      try {
        await this.core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } } });
      } catch (createError) {
        if (!isStatus(createError, 409)) throw createError;
      }
    }
  }
}

export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}
