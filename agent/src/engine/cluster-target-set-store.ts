import { gunzipSync, gzipSync } from 'node:zlib';
import { TargetSet } from '#proto';
import { applyInAgentNamespace } from '../inventory/inventory-store';
import type { ObjectClient } from '../kube/object-client';
import type { TargetSetStore } from './target-set-store';

export const TARGET_SET_SECRET = 'gitfleet-targetset';
const DATA_KEY = 'targetset.pb.gz';

/**
 * The last TargetSet, kept in a Secret in the agent's namespace (it may carry values, so a
 * Secret, not a ConfigMap): gzip of its protobuf encoding. After a restart with the hub away,
 * the agent goes on reconciling from it. Saving the TargetSet already stored writes nothing.
 */
export class ClusterTargetSetStore implements TargetSetStore {
  private storedChecksum: string | undefined;

  constructor(
    private readonly client: ObjectClient,
    private readonly namespace: string,
  ) {}

  async load(): Promise<TargetSet | undefined> {
    const secret = (await this.client.readIfExists({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: this.namespace,
      name: TARGET_SET_SECRET,
    })) as { data?: Record<string, string> } | undefined;
    const encoded = secret?.data?.[DATA_KEY];
    if (!encoded) return undefined;
    const targetSet = TargetSet.decode(gunzipSync(Buffer.from(encoded, 'base64')));
    this.storedChecksum = targetSet.checksum;
    return targetSet;
  }

  async save(targetSet: TargetSet): Promise<void> {
    if (targetSet.checksum && targetSet.checksum === this.storedChecksum) return;
    const data = gzipSync(TargetSet.encode(targetSet).finish()).toString('base64');
    await applyInAgentNamespace(this.client, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: TARGET_SET_SECRET,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/name': 'gitfleet-agent', 'app.kubernetes.io/component': 'targetset' },
        annotations: { 'gitfleet.io/targetset-revision': targetSet.revision, 'gitfleet.io/targetset-checksum': targetSet.checksum },
      },
      data: { [DATA_KEY]: data },
    });
    this.storedChecksum = targetSet.checksum;
  }
}
