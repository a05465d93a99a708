import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, it } from 'vitest';
import { realClusterSkipReason, sharedRealCluster } from '../../test/support/real-cluster';
import { BUILTIN_RESOURCES } from '../src/discovery/builtin-api-resources';
import { runScenario, type StepRun } from '../../test/conformance/run-scenario';
import type { Scenario } from '../../test/conformance/scenario';
import { ALL_SCENARIOS } from '../../test/conformance/scenarios';
import { realTarget } from '../../test/conformance/targets';
import { compactSchema, type OpenApiDocument } from './record-schema';
import { transcriptOf } from './record-transcripts';

const FIXTURES = join(__dirname, 'fixtures');

/**
 * Re-records what kube-sim learns from a real kube-apiserver (v1.24, GITFLEET_KUBE_ASSETS):
 *
 *   GITFLEET_RECORD=1 GITFLEET_KUBE_ASSETS=… npx vitest run kube-sim/test/record.spec.ts
 *
 * writes src/schema/builtin-schema.json (from /openapi/v2), and the transcripts of the
 * conformance scenarios that name one (fixtures/transcripts, their known differences in
 * fixtures/known-differences.json). Skipped otherwise.
 */
const skip = !process.env.GITFLEET_RECORD
  ? 'set GITFLEET_RECORD=1 (and GITFLEET_KUBE_ASSETS) to re-record from a real kube-apiserver'
  : realClusterSkipReason();

describe.skipIf(skip !== undefined)(`recording from a real kube-apiserver${skip ? ` — skipped: ${skip}` : ''}`, () => {
  it('records the schema of every built-in kind kube-sim serves', async () => {
    const cluster = await sharedRealCluster();
    const answer = await cluster.request('GET', '/openapi/v2');
    const document = (typeof answer === 'string' ? JSON.parse(answer) : answer) as OpenApiDocument;
    const kinds = new Set<string>(['autoscaling/v1/Scale']);
    for (const [groupVersion, resources] of Object.entries(BUILTIN_RESOURCES)) {
      for (const resource of resources) if (!resource.name.includes('/')) kinds.add(`${groupVersion}/${resource.kind}`);
    }
    const schema = compactSchema(document, [...kinds]);
    const file = join(__dirname, '../src/schema/builtin-schema.json');
    await writeFile(file, await format(JSON.stringify(schema), { ...(await resolveConfig(file)), parser: 'json' }));
  }, 180_000);

  it('records the transcripts of the conformance scenarios', async () => {
    const target = realTarget(await sharedRealCluster());
    const byFile = new Map<string, { scenario: Scenario; steps: StepRun[] }[]>();
    for (const scenario of ALL_SCENARIOS) {
      if (!scenario.transcript) continue;
      const steps = await runScenario(target, scenario);
      byFile.set(scenario.transcript, [...(byFile.get(scenario.transcript) ?? []), { scenario, steps }]);
    }
    const differencesFile = join(FIXTURES, 'known-differences.json');
    const known = JSON.parse(await readFile(differencesFile, 'utf8')) as Record<string, unknown>;
    for (const [name, runs] of byFile) {
      const transcript = transcriptOf(runs);
      await writeFile(join(FIXTURES, 'transcripts', `${name}.json`), JSON.stringify(transcript.steps, null, 1) + '\n');
      if (Object.keys(transcript.knownDifferences).length > 0) known[name] = transcript.knownDifferences;
      else delete known[name];
    }
    await writeFile(differencesFile, JSON.stringify(known, null, 2) + '\n');
  }, 600_000);
});
