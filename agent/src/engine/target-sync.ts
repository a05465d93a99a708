import type { KubernetesObject } from '@kubernetes/client-node';
import type { Target } from '#proto';
import { redactUserinfo } from '#core';
import { driftDiff } from '../drift/drift-diff';
import type { LiveCache } from '../drift/live-cache';
import type { JsonObject } from '../drift/normalise';
import type { InventoryStore } from '../inventory/inventory-store';
import { inventoryKey } from '../inventory/inventory';
import type { Logger } from '../logger';
import { fetchManifests } from '../source/fetch-manifests';
import type { GitCache } from '../source/git-cache';
import { SourceError, type SourceLimits } from '../source/limits';
import type { Manifest } from '../source/manifest-reader';
import type { InSyncMark } from '../drift/drift-monitor';
import { applyIfChanged, dryRunObject, objectFingerprint, type ObjectOutcome } from './apply-object';
import { formatRef, type ChangeSetEntry, type ObjectRef, type TargetSyncResult } from './change-set';
import { conflictMessage, type Claims } from './claims';
import { mapConcurrently } from './concurrency';
import { waitForCrdsEstablished, type CrdWaitOptions } from './crd-wait';
import { resolveDesired, type DesiredObject } from './desired';
import { assessAfterApply, healthOf, type HealthWaitOptions } from './health-wait';
import type { ObjectClient } from './object-client';
import { isCrd, isDefinition, orderForApply } from './order';
import { BUNDLE_LABEL } from './prepare';
import { pruneObjects } from './prune';

export interface TargetSyncDeps {
  cache: GitCache;
  client: ObjectClient;
  live: LiveCache;
  inventory: InventoryStore;
  claims: Claims;
  limits: SourceLimits;
  logger: Logger;
  /** Objects dry-run or applied at once within a stage. */
  concurrency: number;
  crdWait: CrdWaitOptions;
  healthWait: HealthWaitOptions;
  /** Bundles of the TargetSet held: a live object labelled with one of them (not this) is contested. */
  heldBundles: () => ReadonlySet<string>;
}

export interface TargetSyncOutcome {
  result: TargetSyncResult;
  /** Whether a later retry might succeed (false for invalid sources and refused objects). */
  retryable: boolean;
  /** The desired objects as rendered (empty when the source could not be read). */
  desired: DesiredObject[];
  /** Bundles that must sync again to report a conflict this sync found or cleared. */
  contestedWith: string[];
  /** Objects known to be in sync after this sync (written ones as the API answered), as fingerprints: drift checks start from them. */
  inSync: InSyncMark[];
}

/**
 * What is kept of a dry-run until its object is applied: its fingerprint, and the answer
 * itself only where a diff will be shown without a write (a suspended target).
 */
interface DryRunKept {
  fingerprint: string;
  object?: KubernetesObject;
}

/**
 * One sync of one target, as a short list of steps (DESIGN.md's pipeline): render → validate
 * all (schema basics, dry-run of every object) → apply in stages, skipping what equals live →
 * prune → save the inventory → wait for health. Errors of single objects are gathered and
 * reported together. A suspended target stops after validation and only reports health and
 * drift.
 */
export async function syncTarget(target: Target, revision: string, deps: TargetSyncDeps): Promise<TargetSyncOutcome> {
  const syncStartedAt = new Date();
  const source = target.source ?? { repoUrl: '', commit: '', path: '' };
  const finish = (phase: TargetSyncResult['phase'], message: string, changes: ChangeSetEntry[]): TargetSyncResult => ({
    bundle: target.bundle,
    commit: source.commit,
    targetSetRevision: revision,
    phase,
    message,
    changes,
    observedAt: new Date(),
    reason: 'sync',
    syncStartedAt,
  });
  const defaultNamespace = target.defaultNamespace || deps.client.contextNamespace;

  // 1. Render.
  let manifests: Manifest[];
  try {
    manifests = await fetchManifests(
      deps.cache,
      { ...source, ...(target.render ? { render: target.render } : {}), values: target.values, bundle: target.bundle, defaultNamespace },
      deps.limits,
    );
    checkDuplicates(manifests, defaultNamespace);
  } catch (error) {
    const message = redactUserinfo(error instanceof Error ? error.message : String(error));
    return {
      result: finish('failed', `source: ${message}`, []),
      retryable: !(error instanceof SourceError),
      desired: [],
      contestedWith: [],
      inSync: [],
    };
  }

  // 2. Validate all: schema basics, conflicts, a dry-run of every object that can be dry-run now.
  const { objects, failures } = await resolveDesired(manifests, { bundle: target.bundle, defaultNamespace }, deps.client);
  const contestedWith = deps.claims.declare(
    target.bundle,
    objects.map((o) => o.ref),
  );
  await Promise.all(uniqueKinds(objects.filter((o) => o.served)).map(([apiVersion, kind]) => deps.live.ensure(apiVersion, kind)));
  await deps.live.ensure('v1', 'Namespace');
  const conflicts = new Map<DesiredObject, string>();
  for (const object of objects) {
    const others = [...deps.claims.others(target.bundle, object.ref)];
    const owner = object.served ? deps.live.get(object.ref)?.metadata?.labels?.[BUNDLE_LABEL] : undefined;
    if (owner && owner !== target.bundle && deps.heldBundles().has(owner) && !others.includes(owner)) others.push(owner);
    if (others.length > 0) conflicts.set(object, conflictMessage(object.ref, others));
  }
  const bundleNamespaces = new Set(objects.filter((o) => o.ref.kind === 'Namespace' && o.ref.apiVersion === 'v1').map((o) => o.ref.name));
  // An object in a Namespace this bundle creates cannot pass a dry-run before the Namespace
  // exists, nor a custom resource before its CRD (also in the bundle) is Established: those
  // are dry-run after the definitions stage, before any of them is applied. Objects in a
  // Namespace known to be absent are not even tried now (on a first sync that would be one
  // doomed request per object); a NotFound for one thought present is a race, deferred too.
  const absent = await absentNamespaces(bundleNamespaces, deps);
  const awaitsNamespace = (o: DesiredObject, outcome: ObjectOutcome): boolean =>
    o.namespaced && bundleNamespaces.has(o.ref.namespace) && (outcome.entry.error ?? '').includes('(NotFound)');
  const dryRuns = new Map<DesiredObject, DryRunKept>();
  const keep = (object: KubernetesObject): DryRunKept => ({
    fingerprint: objectFingerprint(object),
    ...(target.suspend ? { object } : {}),
  });
  const dryRunFailures: ObjectOutcome[] = [];
  const dryRunNow = objects.filter((o) => o.served && !(o.namespaced && absent.has(o.ref.namespace)));
  await mapConcurrently(dryRunNow, deps.concurrency, async (object) => {
    const dry = await dryRunObject(deps.client, object);
    if (dry.ok) dryRuns.set(object, keep(dry.object));
    else if (!awaitsNamespace(object, dry.outcome)) dryRunFailures.push(dry.outcome);
  });
  const invalid = [...failures, ...dryRunFailures.map((o) => o.entry)];
  if (invalid.length > 0) {
    const failedKeys = new Set(invalid.map((e) => inventoryKey(e.ref)));
    const skipped = objects
      .filter((o) => !failedKeys.has(inventoryKey(o.ref)))
      .map((o): ChangeSetEntry => ({ ref: o.ref, action: 'skipped', reason: 'bundle failed validation' }));
    const message = `validation failed, nothing applied: ${invalid.length} of ${objects.length + failures.length} resources invalid: ${invalid[0]!.error}${invalid.length > 1 ? ' (and more)' : ''}`;
    return {
      result: finish('failed', message, [...invalid, ...skipped]),
      retryable: dryRunFailures.some((o) => o.transient),
      desired: objects,
      contestedWith,
      inSync: [],
    };
  }

  // A suspended target: nothing applied or pruned; health and drift reported.
  if (target.suspend) {
    const changes = objects.map((object): ChangeSetEntry => {
      const live = deps.live.get(object.ref);
      const dry = dryRuns.get(object);
      const entry: ChangeSetEntry = {
        ref: object.ref,
        action: 'skipped',
        reason: 'target suspended',
        health: healthOf(deps.live, { ref: object.ref, action: 'skipped' }),
      };
      if (dry?.object && deps.live.fingerprint(object.ref) !== dry.fingerprint)
        entry.driftDiff = driftDiff(live as JsonObject | undefined, dry.object as unknown as JsonObject);
      return entry;
    });
    return {
      result: finish('suspended', 'suspended: nothing applied or pruned', changes),
      retryable: false,
      desired: objects,
      contestedWith,
      inSync: [],
    };
  }

  // 3. Apply in stages, skipping what equals live.
  const outcomes: ObjectOutcome[] = [...conflicts.entries()].map(([object, error]) => ({
    entry: { ref: object.ref, action: 'failed', error },
    transient: false,
  }));
  const inSyncObjects: InSyncMark[] = [];
  let stopped = false;
  const stages = orderForApply(objects.filter((o) => !conflicts.has(o)));
  for (const [index, stage] of stages.entries()) {
    if (stopped) {
      outcomes.push(
        ...stage.map((o): ObjectOutcome => ({
          entry: { ref: o.ref, action: 'skipped', reason: 'an earlier stage failed' },
          transient: false,
        })),
      );
      continue;
    }
    if (index > 0 || !stage.some(isDefinition)) {
      const late = await dryRunDeferred(stages.slice(index).flat(), dryRuns, keep, deps);
      if (late.length > 0) {
        const failedRefs = new Set(late.map((o) => o.entry.ref));
        outcomes.push(...late);
        outcomes.push(
          ...stages
            .slice(index)
            .flat()
            .filter((o) => !failedRefs.has(o.ref))
            .map((o): ObjectOutcome => ({
              entry: { ref: o.ref, action: 'skipped', reason: 'bundle failed validation' },
              transient: false,
            })),
        );
        stopped = true;
        continue;
      }
    }
    const applied = await mapConcurrently(stage, deps.concurrency, async (object): Promise<ObjectOutcome> => {
      let dry = dryRuns.get(object);
      if (!dry) {
        const late = await dryRunObject(deps.client, object);
        if (!late.ok) return late.outcome;
        dry = keep(late.object);
      }
      dryRuns.delete(object); // nothing of it is needed once applied
      const live = deps.live.fingerprint(object.ref);
      const outcome = await applyIfChanged(deps.client, object, dry.fingerprint, live);
      const good = outcome.written ? objectFingerprint(outcome.written) : outcome.entry.action === 'unchanged' ? live : undefined;
      if (good !== undefined) inSyncObjects.push({ key: inventoryKey(object.ref), fingerprint: good });
      return { entry: outcome.entry, transient: outcome.transient };
    });
    outcomes.push(...applied);
    const crds = stage.filter((o, i) => isCrd(o.object) && applied[i]!.entry.action !== 'failed').map((o) => o.ref);
    const notReady = await waitForCrdsEstablished(deps.live, crds, deps.crdWait);
    if (notReady.length > 0) deps.logger.warn({ crds: notReady }, 'CustomResourceDefinitions not Established in time');
    stopped = applied.some((o) => o.entry.action === 'failed');
  }

  // 4. Prune, only after everything applied; 5. save the inventory.
  const previous = await deps.inventory.load(target.bundle);
  const contested = new Set([...conflicts.keys()].map((o) => o.ref));
  const failed = outcomes.filter((o) => o.entry.action === 'failed' && !contested.has(o.entry.ref));
  const desiredRefs = objects.map((o) => o.ref);
  let inventoryRefs: ObjectRef[];
  const changes = outcomes.map((o) => o.entry);
  if (failed.length === 0 && previous) {
    if (target.syncPolicy?.prune) {
      const pruned = await pruneObjects(deps.client, deps.live, target.bundle, previous.objects, desiredRefs);
      changes.push(...pruned.entries);
      inventoryRefs = mergeRefs(orderedRefs(objects), pruned.kept);
    } else {
      inventoryRefs = orderedRefs(objects); // what Git dropped is orphaned, not deleted
    }
  } else if (failed.length === 0) {
    inventoryRefs = orderedRefs(objects);
  } else {
    const written = outcomes.filter((o) => o.entry.action !== 'failed' && o.entry.action !== 'skipped').map((o) => o.entry.ref);
    inventoryRefs = mergeRefs(previous?.objects ?? [], written);
  }
  await deps.inventory.save({ bundle: target.bundle, prune: target.syncPolicy?.prune ?? false, objects: inventoryRefs });

  // 6. Wait for health, bounded.
  await assessAfterApply(deps.live, changes, deps.healthWait);
  for (const entry of changes)
    deps.logger.debug({ object: formatRef(entry.ref), action: entry.action, error: entry.error, reason: entry.reason }, 'sync step');

  const allFailed = changes.filter((e) => e.action === 'failed');
  if (allFailed.length === 0)
    return { result: finish('synced', '', changes), retryable: false, desired: objects, contestedWith, inSync: inSyncObjects };
  const message = `${allFailed.length} of ${changes.length} resources failed: ${allFailed[0]!.error}${allFailed.length > 1 ? ' (and more)' : ''}`;
  return {
    result: finish('failed', message, changes),
    retryable: outcomes.some((o) => o.transient),
    desired: objects,
    contestedWith,
    inSync: inSyncObjects,
  };
}

/**
 * Which of the bundle's Namespaces do not exist yet. The live cache holds this agent's own
 * Namespaces; any other is looked up in one list of all Namespaces (a Namespace made by
 * someone else is still one the bundle's objects can be dry-run in).
 */
async function absentNamespaces(names: ReadonlySet<string>, deps: TargetSyncDeps): Promise<Set<string>> {
  const unknown = [...names].filter((name) => !deps.live.get({ apiVersion: 'v1', kind: 'Namespace', name }));
  if (unknown.length === 0) return new Set();
  try {
    const existing = new Set((await deps.client.listAll('v1', 'Namespace', '')).items.map((n) => n.metadata?.name));
    return new Set(unknown.filter((name) => !existing.has(name)));
  } catch {
    return new Set(); // cannot tell: dry-run them all now and defer the NotFounds, as before
  }
}

/** Dry-runs the objects that could not be dry-run before the definitions stage; their failures. */
async function dryRunDeferred(
  objects: readonly DesiredObject[],
  dryRuns: Map<DesiredObject, DryRunKept>,
  keep: (answer: KubernetesObject) => DryRunKept,
  deps: TargetSyncDeps,
): Promise<ObjectOutcome[]> {
  const failures: ObjectOutcome[] = [];
  await mapConcurrently(
    objects.filter((o) => !dryRuns.has(o)),
    deps.concurrency,
    async (object) => {
      if (!object.served) await deps.live.ensure(object.ref.apiVersion, object.ref.kind).catch(() => {});
      const dry = await dryRunObject(deps.client, object);
      if (dry.ok) dryRuns.set(object, keep(dry.object));
      else failures.push(dry.outcome);
    },
  );
  return failures;
}

/** The desired set in apply order: what the inventory keeps (prune walks it backwards). */
function orderedRefs(objects: readonly DesiredObject[]): ObjectRef[] {
  return orderForApply(objects)
    .flat()
    .map((o) => o.ref);
}

function mergeRefs(first: readonly ObjectRef[], then: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Set(first.map(inventoryKey));
  return [...first, ...then.filter((ref) => !seen.has(inventoryKey(ref)))];
}

function uniqueKinds(objects: readonly DesiredObject[]): [string, string][] {
  const kinds = new Map<string, [string, string]>();
  for (const o of objects) kinds.set(`${o.ref.apiVersion}|${o.ref.kind}`, [o.ref.apiVersion, o.ref.kind]);
  return [...kinds.values()];
}

/** Two documents for the same object would fight each other; refuse the bundle instead. */
function checkDuplicates(manifests: Manifest[], defaultNamespace: string): void {
  const seen = new Map<string, Manifest>();
  const problems: string[] = [];
  for (const manifest of manifests) {
    const { apiVersion, kind, metadata } = manifest.object;
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const key = `${group}/${kind}/${metadata.namespace ?? defaultNamespace}/${metadata.name}`;
    const first = seen.get(key);
    if (first) {
      problems.push(`${manifest.file}:${manifest.line}: ${kind} "${metadata.name}" is already defined at ${first.file}:${first.line}`);
    } else {
      seen.set(key, manifest);
    }
  }
  if (problems.length > 0) throw new SourceError(problems.join('; '));
}
