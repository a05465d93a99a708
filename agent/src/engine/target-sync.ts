import type { BundlePolicy } from '#core';
import type { Target } from '#proto';
import { redactUserinfo } from '#core';
import { driftDiff } from '../drift/drift-diff';
import type { InSyncMark } from '../drift/drift-monitor';
import type { InSyncLedger } from '../drift/in-sync-ledger';
import type { LiveCache } from '../kube/live-cache';
import type { JsonObject } from '../kube/normalise';
import type { InventoryStore } from '../inventory/inventory-store';
import type { Logger } from '../logger';
import type { ArtifactCache } from '../source/artifact-cache';
import { fetchManifests, fetchManifestsFromArtifact } from '../source/fetch-manifests';
import type { GitCache } from '../source/git-cache';
import { SourceError, type SourceLimits } from '../source/limits';
import type { Manifest } from '../source/manifest-reader';
import { type ChangeSetEntry, type SyncPhase, type TargetSyncResult } from '../model/change-set';
import { formatRef } from '../model/object-ref';
import type { Claims } from './claims';
import type { CrdWaitOptions } from '../kube/crd-wait';
import { resolveDesired, type ResolvedBundle } from './desired';
import type { DesiredObject } from '../model/desired-object';
import type { ObjectClient } from '../kube/object-client';
import { applyInStages } from './sync-apply';
import { assessHealthNow, healthOf } from './sync-health';
import { pruneAndRecord } from './sync-prune';
import { validateAll, type Validated } from './sync-validate';

export interface TargetSyncDeps {
  cache: GitCache;
  /** Sources packed by the hub; without it every target is fetched from Git. */
  artifacts?: ArtifactCache;
  client: ObjectClient;
  live: LiveCache;
  inventory: InventoryStore;
  claims: Claims;
  limits: SourceLimits;
  logger: Logger;
  /** Objects dry-run or applied at once within a stage. */
  concurrency: number;
  crdWait: CrdWaitOptions;
  /** Bundles of the TargetSet held: a live object labelled with one of them (not this) is contested. */
  heldBundles: () => ReadonlySet<string>;
  /** Objects known in sync: neither their manifest nor live changed since; no dry-run needed. */
  ledger: InSyncLedger;
  /** The agent's own bundle policy (AGENT_POLICY): narrows the hub's for every target. */
  policy?: BundlePolicy;
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
 * One sync of one target, as the pipeline of agent/README.md: render → validate all (schema
 * basics, a dry-run of every object) → apply in stages, skipping what equals live → prune and
 * save the inventory → health as known now. It reports the moment apply and prune end; health
 * that changes later (a rollout finishing or stalling) is the engine's to report. Errors of
 * single objects are gathered and reported together. A suspended target stops after
 * validation and reports health and drift only. A forced sync (asked for) lists the bundle's
 * kinds again first, so that it sees changes the watches have yet to deliver.
 */
export async function syncTarget(
  target: Target,
  revision: string,
  deps: TargetSyncDeps,
  options: SyncOptions = {},
): Promise<TargetSyncOutcome> {
  const sync = new SyncResults(target, revision);

  const rendered = options.rendered
    ? { ok: true as const, bundle: { objects: [...options.rendered], failures: [] } }
    : await render(target, deps);
  if (!rendered.ok) return sync.outcome('failed', `source: ${rendered.message}`, [], { retryable: rendered.retryable });

  const validated = await validateAll(target, rendered.bundle, deps, { forced: options.forced ?? false });
  const { objects, contestedWith } = validated;
  if (!validated.ok)
    return sync.outcome('failed', validated.message, validated.changes, { retryable: validated.retryable, objects, contestedWith });

  if (target.suspend)
    return sync.outcome('suspended', 'suspended: nothing applied or pruned', suspendedView(validated, deps), { objects, contestedWith });

  const applied = await applyInStages(validated, deps);
  const pruned = await pruneAndRecord(target, validated, applied.outcomes, deps);
  const changes = [...applied.outcomes.map((o) => o.entry), ...pruned];
  assessHealthNow(changes, deps.live);
  for (const entry of changes) {
    deps.logger.debug({ object: formatRef(entry.ref), action: entry.action, error: entry.error, reason: entry.reason }, 'sync step');
  }

  const failed = changes.filter((e) => e.action === 'failed');
  const done = { objects, contestedWith, inSync: applied.inSync };
  if (failed.length === 0) return sync.outcome('synced', '', changes, done);
  const message = `${failed.length} of ${changes.length} resources failed: ${failed[0].error}${failed.length > 1 ? ' (and more)' : ''}`;
  return sync.outcome('failed', message, changes, { ...done, retryable: applied.outcomes.some((o) => o.transient) });
}

export interface SyncOptions {
  /** Asked for (SyncNow, periodic resync): list the bundle's kinds again before comparing. */
  forced?: boolean;
  /**
   * The desired objects of the last sync of this very target (same key): rendering it again
   * would give the same. A SyncNow of an unchanged target takes them instead of rendering.
   */
  rendered?: readonly DesiredObject[];
}

/** Render: the manifests of the target's source, duplicates refused, resolved against the cluster's kinds. */
async function render(
  target: Target,
  deps: TargetSyncDeps,
): Promise<{ ok: true; bundle: ResolvedBundle } | { ok: false; message: string; retryable: boolean }> {
  const source = target.source ?? { repoUrl: '', commit: '', path: '' };
  const defaultNamespace = target.defaultNamespace || deps.client.contextNamespace;
  const how = {
    ...source,
    ...(target.render ? { render: target.render } : {}),
    values: target.values,
    bundle: target.bundle,
    defaultNamespace,
  };
  let manifests: Manifest[];
  try {
    manifests =
      target.artifact && deps.artifacts
        ? await fetchManifestsFromArtifact(deps.artifacts, target.artifact, how, deps.limits)
        : await fetchManifests(deps.cache, how, deps.limits);
    checkDuplicates(manifests, defaultNamespace);
  } catch (error) {
    const message = redactUserinfo(error instanceof Error ? error.message : String(error));
    return { ok: false, message, retryable: !(error instanceof SourceError) };
  }
  return { ok: true, bundle: await resolveDesired(manifests, { bundle: target.bundle, defaultNamespace }, deps.client) };
}

/** A suspended target: each object SKIPPED with its health and, where live differs from its dry-run, the diff. */
function suspendedView(validated: Validated, deps: TargetSyncDeps): ChangeSetEntry[] {
  return validated.objects.map((object): ChangeSetEntry => {
    const live = deps.live.get(object.ref);
    const dry = validated.dryRuns.get(object);
    const entry: ChangeSetEntry = {
      ref: object.ref,
      action: 'skipped',
      reason: 'target suspended',
      health: healthOf(deps.live, object.ref),
    };
    if (dry?.object && deps.live.fingerprint(object.ref) !== dry.fingerprint) {
      entry.driftDiff = driftDiff(live as JsonObject | undefined, dry.object as unknown as JsonObject);
    }
    return entry;
  });
}

/** Builds the outcome of one sync: its result for the report, and what the engine keeps. */
class SyncResults {
  private readonly startedAt = new Date();

  constructor(
    private readonly target: Target,
    private readonly revision: string,
  ) {}

  outcome(
    phase: SyncPhase,
    message: string,
    changes: ChangeSetEntry[],
    rest: Partial<Omit<TargetSyncOutcome, 'result' | 'desired'>> & { objects?: DesiredObject[] } = {},
  ): TargetSyncOutcome {
    return {
      result: {
        bundle: this.target.bundle,
        commit: this.target.source?.commit ?? '',
        targetSetRevision: this.revision,
        phase,
        message,
        changes,
        observedAt: new Date(),
        reason: 'sync',
        syncStartedAt: this.startedAt,
      },
      retryable: rest.retryable ?? false,
      desired: rest.objects ?? [],
      contestedWith: rest.contestedWith ?? [],
      inSync: rest.inSync ?? [],
    };
  }
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
