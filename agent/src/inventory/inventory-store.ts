import { createHash } from 'node:crypto';
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import type { ManifestObject, ObjectClient } from '../kube/object-client';
import { decodeInventory, encodeInventory, shard, type Inventory } from './inventory';

/** Label on inventory ConfigMaps: the bundle they are the inventory of. */
export const INVENTORY_LABEL = 'gitfleet.io/inventory-of';
const PRUNE_POLICY_ANNOTATION = 'gitfleet.io/prune-policy';
const SHARDS_ANNOTATION = 'gitfleet.io/shards';
const DATA_KEY = 'inventory.json.gz';

export interface InventoryStoreOptions {
  /** Bytes of compressed inventory per ConfigMap; well under the 1 MiB object limit. */
  shardBytes: number;
}

export function defaultInventoryStoreOptions(): InventoryStoreOptions {
  return { shardBytes: 700 * 1024 };
}

/**
 * Inventories kept in the cluster, one ConfigMap per target in the agent namespace
 * (`gitfleet-inventory-<bundle>`, plus `-s1`, `-s2`… when the compressed list outgrows one
 * object). Nothing secret is in them: object references only. A save that would not change
 * what is stored writes nothing.
 */
export class InventoryStore {
  private readonly known = new Map<string, { encoded: string; shards: number }>();

  constructor(
    private readonly client: ObjectClient,
    private readonly namespace: string,
    private readonly options: InventoryStoreOptions = defaultInventoryStoreOptions(),
  ) {}

  /** Bundles that have an inventory in the cluster. */
  async bundles(): Promise<string[]> {
    const list = await this.client.listAll('v1', 'ConfigMap', INVENTORY_LABEL);
    const bundles = list.items
      .filter((item) => item.metadata?.namespace === this.namespace && !item.metadata?.name?.match(/-s\d+$/))
      .map((item) => item.metadata?.labels?.[INVENTORY_LABEL] ?? '')
      .filter((bundle) => bundle !== '');
    return [...new Set(bundles)].sort();
  }

  async load(bundle: string): Promise<Inventory | undefined> {
    const head = await this.read(inventoryName(bundle));
    if (!head) {
      this.known.delete(bundle);
      return undefined;
    }
    const shards = Number(head.metadata?.annotations?.[SHARDS_ANNOTATION] ?? '1');
    const pieces = [dataOf(head)];
    for (let i = 1; i < shards; i++) {
      const piece = await this.read(shardName(bundle, i));
      if (!piece) throw new Error(`inventory of bundle "${bundle}" is missing shard ${i} of ${shards}`);
      pieces.push(dataOf(piece));
    }
    const objects = decodeInventory(Buffer.concat(pieces));
    const prune = head.metadata?.annotations?.[PRUNE_POLICY_ANNOTATION] === 'true';
    this.known.set(bundle, { encoded: fingerprint(prune, objects), shards });
    return { bundle, prune, objects };
  }

  /** Stores the inventory; false when it was already stored as it is (nothing written). */
  async save(inventory: Inventory): Promise<boolean> {
    const encoded = fingerprint(inventory.prune, inventory.objects);
    const previous = this.known.get(inventory.bundle);
    if (previous?.encoded === encoded) return false;
    const pieces = shard(encodeInventory(inventory.objects), this.options.shardBytes);
    // Shards first, head last: a reader that sees the new head finds every shard it names.
    for (let i = pieces.length - 1; i >= 0; i--) {
      await this.write(i === 0 ? inventoryName(inventory.bundle) : shardName(inventory.bundle, i), inventory, pieces[i], pieces.length);
    }
    for (let i = pieces.length; i < (previous?.shards ?? 1); i++) {
      await this.client.deleteInBackground({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: this.namespace,
        name: shardName(inventory.bundle, i),
      });
    }
    this.known.set(inventory.bundle, { encoded, shards: pieces.length });
    return true;
  }

  async remove(bundle: string): Promise<void> {
    const shards = this.known.get(bundle)?.shards ?? 1;
    for (let i = shards - 1; i >= 0; i--) {
      const name = i === 0 ? inventoryName(bundle) : shardName(bundle, i);
      await this.client.deleteInBackground({ apiVersion: 'v1', kind: 'ConfigMap', namespace: this.namespace, name });
    }
    this.known.delete(bundle);
  }

  private async read(name: string): Promise<KubernetesObject | undefined> {
    return this.client.readIfExists({ apiVersion: 'v1', kind: 'ConfigMap', namespace: this.namespace, name });
  }

  private async write(name: string, inventory: Inventory, piece: Buffer, shards: number): Promise<void> {
    const object: ManifestObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace: this.namespace,
        labels: {
          [INVENTORY_LABEL]: inventory.bundle,
          'app.kubernetes.io/name': 'gitfleet-agent',
          'app.kubernetes.io/component': 'inventory',
        },
        annotations: { [PRUNE_POLICY_ANNOTATION]: String(inventory.prune), [SHARDS_ANNOTATION]: String(shards) },
      },
      binaryData: { [DATA_KEY]: piece.toString('base64') },
    };
    await applyInAgentNamespace(this.client, object);
  }
}

/**
 * Server-side applies an object of the agent's own (inventory, stored TargetSet) into its
 * namespace, creating the namespace the first time it is missing.
 */
export async function applyInAgentNamespace(client: ObjectClient, object: ManifestObject): Promise<void> {
  try {
    await client.apply(object);
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: object.metadata.namespace ?? '' } });
    await client.apply(object);
  }
}

function fingerprint(prune: boolean, objects: Inventory['objects']): string {
  return `${prune}:${JSON.stringify(objects.map((o) => [o.apiVersion, o.kind, o.namespace, o.name]))}`;
}

function dataOf(object: KubernetesObject): Buffer {
  const data = (object as { binaryData?: Record<string, string> }).binaryData?.[DATA_KEY] ?? '';
  return Buffer.from(data, 'base64');
}

/** `gitfleet-inventory-<bundle>`; a name that would not be a valid object name is hashed. */
export function inventoryName(bundle: string): string {
  const name = `gitfleet-inventory-${bundle}`;
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 240) return name;
  return `gitfleet-inventory-${createHash('sha256').update(bundle).digest('hex').slice(0, 32)}`;
}

function shardName(bundle: string, index: number): string {
  return `${inventoryName(bundle)}-s${index}`;
}
