import type { Target } from '#proto';
import type { Logger } from '../logger';
import { fetchManifests } from '../source/fetch-manifests';
import type { GitCache } from '../source/git-cache';
import { SourceError, type SourceLimits } from '../source/limits';
import type { Manifest } from '../source/manifest-reader';
import { redactUserinfo } from '#core';
import { applyObject, type ObjectOutcome } from './apply-object';
import { formatRef, type ChangeSetEntry, type ObjectRef, type TargetSyncResult } from './change-set';
import { waitForCrdsEstablished, type CrdWaitOptions } from './crd-wait';
import type { ObjectClient } from './object-client';
import { orderForApply } from './order';

export interface TargetSyncDeps {
  cache: GitCache;
  client: ObjectClient;
  limits: SourceLimits;
  logger: Logger;
  /** Objects applied at once within a stage. */
  concurrency: number;
  crdWait: CrdWaitOptions;
}

export interface TargetSyncOutcome {
  result: TargetSyncResult;
  /** Whether a later retry might succeed (false for invalid sources and refused objects). */
  retryable: boolean;
}

/**
 * One sync of one target, as a short list of steps: fetch and read the manifests at the
 * exact commit, then server-side apply them stage by stage. Failures of single objects are
 * gathered and reported together; a source that cannot be read fails the whole target with
 * nothing applied.
 */
export async function syncTarget(target: Target, revision: string, deps: TargetSyncDeps): Promise<TargetSyncOutcome> {
  const source = target.source ?? { repoUrl: '', commit: '', path: '' };
  const finish = (phase: TargetSyncResult['phase'], message: string, changes: ChangeSetEntry[]): TargetSyncResult => ({
    bundle: target.bundle,
    commit: source.commit,
    targetSetRevision: revision,
    phase,
    message,
    changes,
    observedAt: new Date(),
  });

  let manifests: Manifest[];
  try {
    manifests = await fetchManifests(deps.cache, source, deps.limits);
    checkDuplicates(manifests, target.defaultNamespace);
  } catch (error) {
    const message = redactUserinfo(error instanceof Error ? error.message : String(error));
    return { result: finish('failed', `source: ${message}`, []), retryable: !(error instanceof SourceError) };
  }

  const context = { bundle: target.bundle, defaultNamespace: target.defaultNamespace || deps.client.contextNamespace };
  const outcomes: ObjectOutcome[] = [];
  for (const stage of orderForApply(manifests)) {
    const applied = await mapConcurrently(stage, deps.concurrency, (m) => applyObject(deps.client, m.object, context));
    outcomes.push(...applied);
    const crds = applied.filter((o) => o.entry.action !== 'failed' && isCrd(o.entry.ref)).map((o) => o.entry.ref);
    const notReady = await waitForCrdsEstablished(deps.client, crds, deps.crdWait);
    if (notReady.length > 0) {
      deps.logger.warn({ crds: notReady }, 'CustomResourceDefinitions not Established in time; applying the rest anyway');
    }
  }
  const changes = outcomes.map((outcome) => outcome.entry);
  for (const entry of changes) {
    deps.logger.debug({ object: formatRef(entry.ref), action: entry.action, error: entry.error }, 'applied');
  }
  const failed = outcomes.filter((outcome) => outcome.entry.action === 'failed');
  if (failed.length === 0) {
    return { result: finish('synced', '', changes), retryable: false };
  }
  const message = `${failed.length} of ${outcomes.length} resources failed: ${failed[0]!.entry.error}${failed.length > 1 ? ' (and more)' : ''}`;
  return { result: finish('failed', message, changes), retryable: failed.some((outcome) => outcome.transient) };
}

function isCrd(ref: ObjectRef): boolean {
  return ref.kind === 'CustomResourceDefinition' && ref.apiVersion.startsWith('apiextensions.k8s.io/');
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

async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
