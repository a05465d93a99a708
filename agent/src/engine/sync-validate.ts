import type { KubernetesObject } from '@kubernetes/client-node';
import { checkObject, DEFAULT_BUNDLE_POLICY, type BundlePolicy } from '#core';
import type { Target } from '#proto';
import { inventoryKey } from '../inventory/inventory';
import { isNotFound } from '../kube/api-error';
import { dryRunObject, objectFingerprint, type ObjectOutcome } from '../kube/apply-object';
import type { ChangeSetEntry } from '../model/change-set';
import { conflictMessage } from './claims';
import { mapConcurrently } from './concurrency';
import type { ResolvedBundle } from './desired';
import type { DesiredObject } from '../model/desired-object';
import { BUNDLE_LABEL } from './prepare';
import type { TargetSyncDeps } from './target-sync';

/**
 * What is kept of each dry-run until its object is applied: its fingerprint, and the answer
 * itself only where a diff will be shown without a write (a suspended target).
 */
export interface DryRunKept {
  fingerprint: string;
  object?: KubernetesObject;
}

export class DryRuns {
  private readonly kept = new Map<DesiredObject, DryRunKept>();

  constructor(private readonly keepAnswers: boolean) {}

  record(object: DesiredObject, answer: KubernetesObject): DryRunKept {
    const kept = { fingerprint: objectFingerprint(answer), ...(this.keepAnswers ? { object: answer } : {}) };
    this.kept.set(object, kept);
    return kept;
  }

  get(object: DesiredObject): DryRunKept | undefined {
    return this.kept.get(object);
  }

  has(object: DesiredObject): boolean {
    return this.kept.has(object);
  }

  /** An object known in sync (InSyncLedger): its dry-run would answer what live is. */
  assume(object: DesiredObject, liveFingerprint: string): void {
    this.kept.set(object, { fingerprint: liveFingerprint });
  }

  /** The dry-run of an object about to be applied: nothing of it is needed afterwards. */
  take(object: DesiredObject): DryRunKept | undefined {
    const kept = this.kept.get(object);
    this.kept.delete(object);
    return kept;
  }
}

export interface Validated {
  objects: DesiredObject[];
  /** Objects another bundle declares too, with the message naming it: applied by neither. */
  conflicts: Map<DesiredObject, string>;
  dryRuns: DryRuns;
  /** Bundles that must sync again to report a conflict this sync found or cleared. */
  contestedWith: string[];
}

export type Validation =
  | ({ ok: true } & Validated)
  | { ok: false; objects: DesiredObject[]; contestedWith: string[]; message: string; changes: ChangeSetEntry[]; retryable: boolean };

/**
 * Validate all before anything is written: schema basics, conflicts between bundles, and a
 * server-side dry-run of every object that can be dry-run now — except objects the in-sync
 * ledger knows: the same manifest, and live as it was when they were last found in sync. An object in a Namespace this
 * bundle creates cannot pass a dry-run before the Namespace exists, nor a custom resource
 * before its CRD (also in the bundle) is Established: those are dry-run after the definitions
 * stage, before anything else is applied (sync-apply.ts). Objects in a Namespace known to be
 * absent are not even tried now (on a first sync that would be one doomed request each); a
 * NotFound for one thought present is a race, deferred too.
 */
export async function validateAll(
  target: Target,
  rendered: ResolvedBundle,
  deps: TargetSyncDeps,
  options: { forced: boolean },
): Promise<Validation> {
  const { objects, failures } = rendered;
  const contestedWith = deps.claims.declare(
    target.bundle,
    objects.map((o) => o.ref),
  );
  const refused = policyRefusals(target, objects, deps.policy);
  if (refused.length > 0) return invalidBundle(objects, failures, [...failures, ...refused], contestedWith, false);
  const watch = (apiVersion: string, kind: string) =>
    options.forced ? deps.live.refresh(apiVersion, kind) : deps.live.ensure(apiVersion, kind);
  await Promise.all(uniqueKinds(objects.filter((o) => o.served)).map(([apiVersion, kind]) => watch(apiVersion, kind)));
  await deps.live.ensure('v1', 'Namespace');
  const conflicts = findConflicts(target.bundle, objects, deps);

  const bundleNamespaces = new Set(objects.filter((o) => o.ref.kind === 'Namespace' && o.ref.apiVersion === 'v1').map((o) => o.ref.name));
  const absent = await absentNamespaces(bundleNamespaces, deps);
  const awaitsNamespace = (o: DesiredObject, outcome: ObjectOutcome): boolean =>
    o.namespaced && bundleNamespaces.has(o.ref.namespace) && isNotFound(outcome.error);
  const dryRuns = new DryRuns(target.suspend);
  const dryRunFailures: ObjectOutcome[] = [];
  const dryRunNow: DesiredObject[] = [];
  for (const object of objects) {
    if (!object.served || (object.namespaced && absent.has(object.ref.namespace))) continue;
    const live = deps.live.fingerprint(object.ref);
    // The same manifest against the same live object as when last found in sync: validated then.
    if (live !== undefined && deps.ledger.holds(inventoryKey(object.ref), object.fingerprint, live)) dryRuns.assume(object, live);
    else dryRunNow.push(object);
  }
  await mapConcurrently(dryRunNow, deps.concurrency, async (object) => {
    const dry = await dryRunObject(deps.client, object);
    if (dry.ok) dryRuns.record(object, dry.object);
    else if (!awaitsNamespace(object, dry.outcome)) dryRunFailures.push(dry.outcome);
  });

  const invalid = [...failures, ...dryRunFailures.map((o) => o.entry)];
  if (invalid.length === 0) return { ok: true, objects, conflicts, dryRuns, contestedWith };
  return invalidBundle(
    objects,
    failures,
    invalid,
    contestedWith,
    dryRunFailures.some((o) => o.transient),
  );
}

/** The bundle refused as a whole: its invalid entries (`failures`: those not among the objects), every other object skipped. */
function invalidBundle(
  objects: DesiredObject[],
  failures: ChangeSetEntry[],
  invalid: ChangeSetEntry[],
  contestedWith: string[],
  retryable: boolean,
): Validation {
  const failedKeys = new Set(invalid.map((e) => inventoryKey(e.ref)));
  const skipped = objects
    .filter((o) => !failedKeys.has(inventoryKey(o.ref)))
    .map((o): ChangeSetEntry => ({ ref: o.ref, action: 'skipped', reason: 'bundle failed validation' }));
  return {
    ok: false,
    objects,
    contestedWith,
    message: `validation failed, nothing applied: ${invalid.length} of ${objects.length + failures.length} resources invalid: ${invalid[0].error}${invalid.length > 1 ? ' (and more)' : ''}`,
    changes: [...invalid, ...skipped],
    retryable,
  };
}

/**
 * Every object the policies refuse, as a FAILED entry naming the object, its file and the
 * rule. An object must pass the hub's policy for the target (the default policy when the hub
 * sends none) and the agent's own (AGENT_POLICY): the agent can narrow the hub's, never widen it.
 */
export function policyRefusals(target: Target, objects: readonly DesiredObject[], local: BundlePolicy | undefined): ChangeSetEntry[] {
  const policies: [string, BundlePolicy][] = [
    [target.policy ? "the fleet repository's policy" : 'the default policy', target.policy ?? DEFAULT_BUNDLE_POLICY],
  ];
  if (local !== undefined) policies.push(["the agent's policy (AGENT_POLICY)", local]);
  const refused: ChangeSetEntry[] = [];
  for (const o of objects) {
    const seen = {
      apiVersion: o.ref.apiVersion,
      kind: o.ref.kind,
      name: o.ref.name,
      namespace: o.ref.namespace,
      namespaced: o.namespaced,
      object: o.object as unknown as Record<string, unknown>,
      ...(o.source ? { file: o.source } : {}),
    };
    for (const [name, policy] of policies) {
      const violation = checkObject(policy, seen);
      if (violation === undefined) continue;
      refused.push({ ref: o.ref, action: 'failed', error: `refused by rule ${violation.rule} of ${name}: ${violation.message}` });
      break;
    }
  }
  return refused;
}

/** Objects another bundle of this agent declares, or that live carries another held bundle's label. */
function findConflicts(bundle: string, objects: readonly DesiredObject[], deps: TargetSyncDeps): Map<DesiredObject, string> {
  const conflicts = new Map<DesiredObject, string>();
  for (const object of objects) {
    const others = [...deps.claims.others(bundle, object.ref)];
    const owner = object.served ? deps.live.get(object.ref)?.metadata?.labels?.[BUNDLE_LABEL] : undefined;
    if (owner && owner !== bundle && deps.heldBundles().has(owner) && !others.includes(owner)) others.push(owner);
    if (others.length > 0) conflicts.set(object, conflictMessage(object.ref, others));
  }
  return conflicts;
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
    return new Set(); // cannot tell: dry-run them all now and defer the NotFounds
  }
}

/** Dry-runs the objects that could not be dry-run before the definitions stage; their failures. */
export async function dryRunDeferred(objects: readonly DesiredObject[], dryRuns: DryRuns, deps: TargetSyncDeps): Promise<ObjectOutcome[]> {
  const failures: ObjectOutcome[] = [];
  await mapConcurrently(
    objects.filter((o) => !dryRuns.has(o)),
    deps.concurrency,
    async (object) => {
      if (!object.served) await deps.live.ensure(object.ref.apiVersion, object.ref.kind).catch(() => {});
      const dry = await dryRunObject(deps.client, object);
      if (dry.ok) dryRuns.record(object, dry.object);
      else failures.push(dry.outcome);
    },
  );
  return failures;
}

function uniqueKinds(objects: readonly DesiredObject[]): [string, string][] {
  const kinds = new Map<string, [string, string]>();
  for (const o of objects) kinds.set(`${o.ref.apiVersion}|${o.ref.kind}`, [o.ref.apiVersion, o.ref.kind]);
  return [...kinds.values()];
}
