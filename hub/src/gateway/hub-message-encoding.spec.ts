import { describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_POLICY, targetSetChecksumOf, wholeTargetSet } from '#core';
import { FleetService, HubMessage, Target, type TargetSet } from '#proto';
import type { BundleSpec } from '../fleet-repo/fleet-format';
import { TargetBuilder, targetSetChecksum, type PlacedCluster, type TargetSpec } from '../placement/target-set';
import { EncodedHubMessage, encodeTargetSet, gatewayService } from './hub-message-encoding';

const bundle = (name: string, overrides: Partial<BundleSpec> = {}): BundleSpec => ({
  name,
  sourcePath: `apps/${name}`,
  source: { repoUrl: 'https://git.example/fleet.git', commit: 'c'.repeat(40), path: `apps/${name}`, ref: 'main' },
  render: { kind: 'helm', helmValues: { replicas: 3, image: { tag: 'v1.2.3' } }, kustomizePatches: [] },
  namespace: name,
  targets: [
    { clusterSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] }, overrides: { values: { tier: 'gold' } } },
    { clusterSelector: { matchLabels: {}, matchExpressions: [] }, overrides: { helmValues: { replicas: 1 } } },
  ],
  syncPolicy: { prune: true, selfHeal: true, drift: 'correct' },
  dependsOn: name === 'web' ? ['db'] : [],
  suspend: false,
  fleetRepo: 'default',
  ...overrides,
});

const FLEET = { bundles: [bundle('db'), bundle('web')], groups: [] };
const CLUSTERS: PlacedCluster[] = [
  { name: 'eu-1', labels: { env: 'prod', region: 'eu' } },
  { name: 'us-1', labels: { env: 'dev', region: 'üs "quoted"' } },
  { name: 'edge-7', labels: {} },
];

/** What the generated encoder makes of the same TargetSet, decoded. */
function decodedAsGenerated(revision: string, targets: TargetSpec[], checksum = targetSetChecksum(targets)): HubMessage {
  const message = { kind: { $case: 'targetSet' as const, value: { revision, checksum, targets, baseChecksum: '', keptBundles: [] } } };
  return HubMessage.decode(FleetService.connect.responseSerialize(message));
}

describe('encodeTargetSet', () => {
  it('gives every cluster the bytes an agent decodes into exactly its targets: shared bundle-target bytes, its own values', () => {
    const builder = new TargetBuilder(FLEET, () => DEFAULT_BUNDLE_POLICY);
    for (const [i, cluster] of CLUSTERS.entries()) {
      const targets = builder.targetsFor(cluster);
      const revision = String(40 + i);
      const encoded = encodeTargetSet({ revision, checksum: targetSetChecksum(targets), targets });
      const decoded = HubMessage.decode(encoded.bytes);
      expect(decoded).toEqual(decodedAsGenerated(revision, targets));
      const values = decoded.kind?.$case === 'targetSet' ? decoded.kind.value.targets.map((t) => t.values) : [];
      expect(values[0]).toMatchObject({ 'cluster.name': cluster.name });
      // Each target is its bundle target's bytes (the generated encoder puts values amid them), then the values.
      for (const target of targets) {
        const from = builder.builtFrom(target)!.from;
        expect(encoded.bytes.indexOf(Buffer.from(Target.encode(from).finish()))).toBeGreaterThan(0);
      }
    }
  });

  it('encodes whole a target that is no longer as built (changed afterwards) or was never built here (read back)', () => {
    const builder = new TargetBuilder(FLEET);
    const [db, web] = builder.targetsFor(CLUSTERS[0]);
    // Warm the shared bytes of the bundle target, then change the cluster's target in place.
    encodeTargetSet({ revision: '1', checksum: '', targets: [db, web] });
    web.suspend = true;
    web.dependsOn = ['db', 'cache'];
    // A field its bundle target does not have at all (built without policies).
    web.policy = DEFAULT_BUNDLE_POLICY;
    const readBack = JSON.parse(JSON.stringify(db)) as TargetSpec;
    const decoded = HubMessage.decode(encodeTargetSet({ revision: '2', checksum: 'x', targets: [readBack, web] }).bytes);
    expect(decoded).toEqual(decodedAsGenerated('2', [readBack, web], 'x'));
    const targets = decoded.kind?.$case === 'targetSet' ? decoded.kind.value.targets : [];
    expect(targets[1]).toMatchObject({ suspend: true, dependsOn: ['db', 'cache'] });
    expect(targets[1].policy).toBeDefined();

    // A field of its bundle target taken away: no longer as built, encoded whole.
    const [, fresh] = builder.targetsFor(CLUSTERS[1]);
    delete fresh.render;
    const alone = HubMessage.decode(encodeTargetSet({ revision: '3', checksum: 'y', targets: [fresh] }).bytes);
    expect(alone).toEqual(decodedAsGenerated('3', [fresh], 'y'));
  });

  it('encodes a delta that an agent builds into the TargetSet the hub checksummed, policies and all', () => {
    const builder = new TargetBuilder(FLEET, () => DEFAULT_BUNDLE_POLICY);
    const cluster = CLUSTERS[0];
    const before = builder.targetsFor(cluster);
    const decode = (bytes: Buffer): TargetSet => {
      const message = HubMessage.decode(bytes);
      if (message.kind?.$case !== 'targetSet') throw new Error('not a TargetSet');
      return message.kind.value;
    };
    const held = decode(encodeTargetSet({ revision: '7', checksum: targetSetChecksum(before), targets: before }).bytes);
    // The agent's checksum of what it decoded is the hub's: canonical JSON the same on both ends.
    expect(targetSetChecksumOf(held.targets)).toBe(targetSetChecksum(before));

    // `web` changes (a new commit of its source); `db` stays; a new bundle `api` comes.
    const next = new TargetBuilder(
      {
        bundles: [bundle('api'), bundle('db'), bundle('web', { source: { ...bundle('web').source, commit: 'd'.repeat(40) } })],
        groups: [],
      },
      () => DEFAULT_BUNDLE_POLICY,
    ).targetsFor(cluster);
    const checksum = targetSetChecksum(next);
    const delta = decode(
      encodeTargetSet({
        revision: '8',
        checksum,
        targets: next.filter((t) => t.bundle !== 'db'),
        baseChecksum: held.checksum,
        keptBundles: ['db'],
      }).bytes,
    );
    expect(delta).toMatchObject({ revision: '8', checksum, baseChecksum: held.checksum, keptBundles: ['db'] });
    expect(delta.targets.map((t) => t.bundle)).toEqual(['api', 'web']);
    const whole = wholeTargetSet(held, delta);
    expect(whole.targets.map((t) => t.bundle)).toEqual(['api', 'db', 'web']);
    expect(whole.checksum).toBe(checksum);
  });

  it('is what the hub serves on Connect: encoded messages pass as they are, others as the generated serializer makes them', () => {
    const serialize = gatewayService.connect.responseSerialize;
    const encoded = new EncodedHubMessage(Buffer.from([10, 0]));
    expect(serialize(encoded)).toBe(encoded.bytes);
    const ack: HubMessage = { kind: { $case: 'statusAck', value: { seq: '17', moreSeqs: [] } } };
    expect(serialize(ack).equals(FleetService.connect.responseSerialize(ack))).toBe(true);
    // The writer is shared between messages: an earlier message's bytes stay as they were.
    const first = serialize({ kind: { $case: 'heartbeat', value: { sentAt: 'a'.repeat(300) } } });
    const copy = Buffer.from(first);
    serialize({ kind: { $case: 'heartbeat', value: { sentAt: 'b'.repeat(300) } } });
    expect(first.equals(copy)).toBe(true);
  });
});
