import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { realClusterSkipReason, sharedRealCluster, type RealCluster } from '../support/real-cluster';
import { differencesFromReal, runScenario, type StepRun } from './run-scenario';
import type { Scenario } from './scenario';
import { realTarget, simTarget } from './targets';

/**
 * The tests of a list of scenarios: each runs on a fresh kube-sim and on the shared real
 * control plane with the same assertions, then their answers are compared whole. Without
 * GITFLEET_KUBE_ASSETS only the kube-sim half runs, and the other two say why they skip.
 */
export function describeConformance(scenarios: Scenario[]): void {
  const skip = realClusterSkipReason();
  if (skip !== undefined) console.warn(`conformance: ${skip}; kube-sim is checked against the scenarios' assertions only`);
  let cluster: RealCluster | undefined;
  beforeAll(async () => {
    if (skip === undefined) cluster = await sharedRealCluster();
  }, 150_000);

  const realTitle = (title: string) => (skip === undefined ? title : `${title} — skipped: ${skip}`);
  for (const scenario of scenarios) {
    describe(`${scenario.name}: ${scenario.about}`, () => {
      let sim: StepRun[] = [];
      let real: StepRun[] = [];
      it('kube-sim answers as the scenario says', async () => {
        const target = await simTarget(scenario.name);
        try {
          sim = await runScenario(target, scenario);
          await keepAnswers(scenario, 'kube-sim', sim);
        } finally {
          await target.close();
        }
      });
      it.skipIf(skip !== undefined)(realTitle('the real kube-apiserver answers as the scenario says'), async () => {
        real = await runScenario(realTarget(cluster!), scenario);
        await keepAnswers(scenario, 'kube-apiserver', real);
      });
      it.skipIf(skip !== undefined)(realTitle('kube-sim answers as the real kube-apiserver did'), () => {
        expect(real.length, 'the real half ran').toBe(scenario.steps.length);
        expect(differencesFromReal(scenario, real, sim)).toEqual([]);
      });
    });
  }
}

/** With GITFLEET_CONFORMANCE_ANSWERS=<dir>, each side's answers are written there, to read a difference whole. */
async function keepAnswers(scenario: Scenario, target: string, runs: StepRun[]): Promise<void> {
  const dir = process.env.GITFLEET_CONFORMANCE_ANSWERS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${scenario.name}.${target}.json`), JSON.stringify(runs, null, 1));
}
