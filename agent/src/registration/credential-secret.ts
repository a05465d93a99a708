import { ApiException, type CoreV1Api, type V1Secret } from '@kubernetes/client-node';

export const CREDENTIAL_SECRET = 'gitfleet-agent';
export const CREDENTIAL_KEY = 'credential';

/** The agent's credential, kept in a Secret in its own namespace. */
export class CredentialSecret {
  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
  ) {}

  /** The stored credential, or undefined when there is none yet. */
  async read(): Promise<string | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: CREDENTIAL_SECRET, namespace: this.namespace });
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
    const encoded = secret.data?.[CREDENTIAL_KEY];
    // stringData is write-only on a real API server; a simpler server may echo it back.
    const value = encoded !== undefined ? Buffer.from(encoded, 'base64').toString('utf8') : secret.stringData?.[CREDENTIAL_KEY];
    return value?.trim() || undefined;
  }

  /** Forgets the stored credential (the hub rejected it for good); absent is fine. */
  async clear(): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ name: CREDENTIAL_SECRET, namespace: this.namespace });
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
  }

  /** Stores the credential, creating the namespace and the Secret if needed. */
  async write(credential: string): Promise<void> {
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
      data: { [CREDENTIAL_KEY]: Buffer.from(credential, 'utf8').toString('base64') },
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
