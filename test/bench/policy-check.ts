/**
 * The bundle policy's cost in the agent's validation stage: policyRefusals over 10,000
 * rendered objects (Deployments, ConfigMaps, Services, RoleBindings in 50 namespaces), with
 * the default policy alone, and with a hub policy of 20 kind patterns and 20 namespace globs
 * plus an agent policy of its own. Prints milliseconds per pass (best and median of 20). Then
 * the hub's judgement of a plain bundle at its limits (HUB_POLICY_LIMITS: 8 files of 128 KiB,
 * ~500 documents each, 1 MiB): time, the longest the event loop waited meanwhile, heap growth.
 *
 *   npm run build:bench && node dist/test/bench/policy-check.js
 */
import { DEFAULT_BUNDLE_POLICY, type BundlePolicy } from '#core';
import { Target } from '#proto';
import { policyRefusals } from '../../agent/src/engine/sync-validate';
import { HUB_POLICY_LIMITS, refusedByPolicy } from '../../hub/src/artifacts/manifest-policy';
import type { DesiredObject } from '../../agent/src/model/desired-object';

const OBJECTS = 10_000;
const PASSES = 20;

function objects(): DesiredObject[] {
  const kinds = [
    ['apps/v1', 'Deployment'],
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ] as const;
  return Array.from({ length: OBJECTS }, (_, i) => {
    const [apiVersion, kind] = kinds[i % kinds.length];
    const namespace = `team-${i % 50}`;
    const name = `object-${i}`;
    const object = {
      apiVersion,
      kind,
      metadata: { name, namespace },
      ...(kind === 'RoleBinding' ? { roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'app' }] } : {}),
    };
    return {
      ref: { apiVersion, kind, namespace, name },
      object: object as never,
      namespaced: true,
      served: true,
      fingerprint: '',
      source: `apps/x/${i}.yaml:1`,
    };
  });
}

function measure(label: string, target: Target, local: BundlePolicy | undefined, all: DesiredObject[]): void {
  const times: number[] = [];
  let refused = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const started = process.hrtime.bigint();
    refused = policyRefusals(target, all, local).length;
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(
    `   ${label}: ${OBJECTS} objects, best ${times[0].toFixed(1)} ms, median ${times[PASSES >> 1].toFixed(1)} ms per pass (${refused} refused)`,
  );
}

const all = objects();
const base = { bundle: 'x', source: { repoUrl: 'file:///x', commit: 'a'.repeat(40), path: 'apps/x' } };
measure('default policy only', Target.fromPartial(base), undefined, all);
const hub: BundlePolicy = {
  ...DEFAULT_BUNDLE_POLICY,
  allowedKinds: [...Array.from({ length: 17 }, (_, i) => `example${i}.com/*`), 'apps/*', 'core/*', 'rbac.authorization.k8s.io/RoleBinding'],
  deniedKinds: ['core/Secret'],
  namespaces: [...Array.from({ length: 19 }, (_, i) => `other-${i}-*`), 'team-*'],
};
measure(
  'hub policy (20 kind, 20 namespace patterns) + AGENT_POLICY',
  Target.fromPartial({ ...base, policy: hub }),
  { ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['apps/DaemonSet'] },
  all,
);

async function hubAtItsLimits(): Promise<void> {
  const doc = (i: number) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-${i}\n  namespace: team\ndata:\n  k: "${'v'.repeat(150)}"\n---\n`;
  const files: { path: string; data: Buffer }[] = [];
  for (let f = 0; f < HUB_POLICY_LIMITS.maxTotalBytes / HUB_POLICY_LIMITS.maxFileBytes; f++) {
    let text = '';
    for (let i = 0; Buffer.byteLength(text) + 300 < HUB_POLICY_LIMITS.maxFileBytes && i < HUB_POLICY_LIMITS.maxDocuments - 1; i++)
      text += doc(i);
    files.push({ path: `apps/x/${f}.yaml`, data: Buffer.from(text) });
  }
  const bytes = files.reduce((n, f) => n + f.data.length, 0);
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  let longest = 0;
  let last = Date.now();
  const sampler = setInterval(() => {
    const now = Date.now();
    longest = Math.max(longest, now - last);
    last = now;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1);
  const started = process.hrtime.bigint();
  const refused = await refusedByPolicy(files, { ...DEFAULT_BUNDLE_POLICY, deniedKinds: ['core/Secret'] }, 'team', 'P');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  clearInterval(sampler);
  console.log(
    `   hub, plain bundle at its limits: ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB, ${ms.toFixed(0)} ms, event loop blocked ${longest} ms at most, heap +${((peak - heapBefore) / 1048576).toFixed(0)} MB at most (${refused.length} refused)`,
  );
}
void hubAtItsLimits();
