import { expect } from 'vitest';
import { RunMapping, compareBodies, removePath } from '../../kube-sim/test/transcript-compare';
import { valueAtPath } from './answer-paths';
import type { ApiRequest, Scenario, Step, Wait } from './scenario';
import type { Answer, Target } from './targets';

/** One step as it ran: the request actually sent (placeholders filled) and its answer. */
export interface StepRun {
  step: number;
  request?: ApiRequest;
  answer?: Answer;
}

const PLACEHOLDER = /\{\{(\d+):([^}]+)\}\}/g;

function fill(value: unknown, runs: StepRun[]): unknown {
  if (typeof value === 'string')
    return value.replace(PLACEHOLDER, (_m, step: string, path: string) => {
      const found = valueAtPath(runs[Number(step) - 1]?.answer?.body, path);
      if (found === undefined) throw new Error(`placeholder {{${step}:${path}}}: step ${step} answered no such value`);
      return String(found);
    });
  if (Array.isArray(value)) return value.map((v) => fill(v, runs));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, runs)]));
  return value;
}

/**
 * Runs a scenario's steps in order against one target, checking each answer with
 * expect.soft (so every failing step is reported, and the answers are all there to compare).
 */
export async function runScenario(target: Target, scenario: Scenario): Promise<StepRun[]> {
  const runs: StepRun[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const number = index + 1;
    const label = `${target.name}, ${scenario.name} step ${number} (${step.note})`;
    if (step.wait) {
      const reached = await waitFor(target, step.wait);
      expect.soft(reached, `${label}: ${JSON.stringify(step.wait.until)} not reached`).toBe(true);
      runs.push({ step: number });
      continue;
    }
    const request = fill(step.request, runs) as ApiRequest;
    const answer = await target.send(request);
    // A watch answers JSON lines: one event reads as a list of one too.
    if (/[?&]watch=(1|true)/.test(request.path) && answer.body !== undefined && !Array.isArray(answer.body)) answer.body = [answer.body];
    runs.push({ step: number, request, answer });
    if (step.expect) checkAnswer(label, step, answer);
  }
  return runs;
}

function checkAnswer(label: string, step: Step, answer: Answer): void {
  const expected = step.expect!;
  const shown = JSON.stringify(answer.body)?.slice(0, 600);
  expect.soft(answer.status, `${label}: status (answer ${shown})`).toBe(expected.status);
  if (expected.body !== undefined) expect.soft(answer.body, `${label}: body`).toMatchObject(expected.body as object);
  for (const path of expected.absent ?? [])
    expect.soft(valueAtPath(answer.body, path), `${label}: ${path} should be absent`).toBeUndefined();
}

async function waitFor(target: Target, wait: Wait): Promise<boolean> {
  const deadline = Date.now() + wait.seconds * 1000;
  for (;;) {
    const answer = await target.send({ method: 'GET', path: wait.path });
    if (satisfied(wait.until, answer)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function satisfied(until: Wait['until'], answer: Answer): boolean {
  if ('status' in until) return answer.status === until.status;
  if (answer.status !== 200) return false;
  const body = answer.body;
  if ('nonEmptyItems' in until) {
    const items = valueAtPath(body, 'items');
    return Array.isArray(items) && items.length > 0;
  }
  if ('condition' in until) {
    const conditions = valueAtPath(body, 'status.conditions');
    return Array.isArray(conditions) && conditions.some((c) => c?.type === until.condition && c?.status === 'True');
  }
  if ('equalsField' in until) return valueAtPath(body, until.field) === valueAtPath(body, until.equalsField);
  return valueAtPath(body, until.field) === until.equals;
}

/**
 * Every difference between the real server's answers and kube-sim's, after normalising what
 * each server makes up (uids, times, resourceVersion values — though not whether they changed —,
 * allocated IPs and ports, generated names, tokens) and leaving out what a step declares as a
 * deliberate difference. One line per difference.
 */
export function differencesFromReal(scenario: Scenario, real: StepRun[], sim: StepRun[]): string[] {
  const mapping = new RunMapping();
  const lines: string[] = [];
  for (const [index, step] of scenario.steps.entries()) {
    const r = real[index]?.answer;
    const s = sim[index]?.answer;
    if (step.wait || !r || !s || (step.differs && !step.differs.paths)) continue;
    const label = `step ${index + 1} (${step.note})`;
    if (r.status !== s.status) {
      lines.push(`${label}: status ${s.status}, the real server answered ${r.status}`);
      continue;
    }
    let expected = structuredClone(r.body);
    let actual = structuredClone(s.body);
    for (const path of step.differs?.paths ?? []) {
      expected = removePath(expected, path);
      actual = removePath(actual, path);
    }
    for (const d of compareBodies(expected, actual, mapping))
      lines.push(`${label}: ${d.path}: kube-sim ${JSON.stringify(d.actual)}, real ${JSON.stringify(d.expected)}`);
  }
  return lines;
}
