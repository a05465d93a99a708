import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { FleetService, HubMessage, Target } from '#proto';
import { bundleTargetOf, type TargetSpec } from '../placement/target-set';
import type { OutgoingTargetSet } from './target-set-delta';

/** A HubMessage already in its wire bytes: a stream writes them as they are. */
export class EncodedHubMessage {
  constructor(readonly bytes: Buffer) {}
}

/** What the hub writes to a Connect stream. */
export type OutgoingHubMessage = HubMessage | EncodedHubMessage;

/**
 * The Fleet service as the hub serves it: Connect writes EncodedHubMessages as they are, and
 * encodes other messages without the generated serializer's extra copy.
 */
export const gatewayService = {
  ...FleetService,
  connect: {
    ...FleetService.connect,
    responseSerialize: (message: OutgoingHubMessage): Buffer =>
      message instanceof EncodedHubMessage ? message.bytes : asBuffer(HubMessage.encode(message, writer()).finish()),
  },
};

/** One writer reused for every message (encoding is synchronous): its buffer grows once, not per message. */
let shared: BinaryWriter | undefined;
function writer(): BinaryWriter {
  shared ??= new BinaryWriter();
  return shared;
}

/** Field tags (field number << 3 | wire type 2, length-delimited) of HubMessage.target_set, TargetSet's fields, Target.values. */
const HUB_MESSAGE_TARGET_SET = (1 << 3) | 2;
const TARGET_SET_REVISION = (1 << 3) | 2;
const TARGET_SET_CHECKSUM = (2 << 3) | 2;
const TARGET_SET_TARGETS = (3 << 3) | 2;
const TARGET_SET_BASE_CHECKSUM = (4 << 3) | 2;
const TARGET_SET_KEPT_BUNDLES = (5 << 3) | 2;

/**
 * The wire bytes of each bundle target (TargetBuilder's), or null when it has values of its own
 * (never, as built; then its targets are encoded whole). Kept while the bundle target lives.
 */
const bundleTargetBytes = new WeakMap<TargetSpec, Uint8Array | null>();

/**
 * A TargetSet (whole or a delta) as a HubMessage's bytes. A target built from a bundle target (TargetBuilder) is
 * that bundle target's bytes, encoded once for every cluster it selects, followed by the
 * cluster's values: protobuf reads two encodings of a message one after the other as one
 * message, so the agent decodes exactly the target (the checksum is over its JSON, not its
 * bytes). Any other target is encoded whole. At 10,000 clusters the per-cluster encoding was
 * the largest part of the push on the hub's event loop (bench/scale.ts).
 */
export function encodeTargetSet(targetSet: OutgoingTargetSet): EncodedHubMessage {
  const w = writer();
  w.uint32(HUB_MESSAGE_TARGET_SET).fork();
  if (targetSet.revision !== '') w.uint32(TARGET_SET_REVISION).string(targetSet.revision);
  if (targetSet.checksum !== '') w.uint32(TARGET_SET_CHECKSUM).string(targetSet.checksum);
  for (const target of targetSet.targets) {
    w.uint32(TARGET_SET_TARGETS).fork();
    const shared = sharedPart(target);
    if (shared !== undefined) {
      w.raw(shared);
      Target.encode({ ...NO_TARGET, values: target.values }, w);
    } else {
      Target.encode(target, w);
    }
    w.join();
  }
  if (targetSet.baseChecksum) w.uint32(TARGET_SET_BASE_CHECKSUM).string(targetSet.baseChecksum);
  for (const bundle of targetSet.keptBundles ?? []) w.uint32(TARGET_SET_KEPT_BUNDLES).string(bundle);
  w.join();
  return new EncodedHubMessage(asBuffer(w.finish()));
}

/** A Target with every field at its default: encoded, nothing. */
const NO_TARGET: Target = Target.fromPartial({});

/** The bytes of the bundle target `target` was built from, when `target` is it with values of its own and every other field the very same. */
function sharedPart(target: TargetSpec): Uint8Array | undefined {
  const from = bundleTargetOf(target);
  if (from === undefined) return undefined;
  let bytes = bundleTargetBytes.get(from);
  if (bytes === undefined) {
    bytes = Object.keys(from.values).length > 0 ? null : Target.encode(from).finish();
    bundleTargetBytes.set(from, bytes);
  }
  return bytes ?? undefined;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
