import type { Scenario } from '../../test/conformance/scenario';
import type { StepRun } from '../../test/conformance/run-scenario';

/**
 * Turns conformance scenarios run against a real kube-apiserver into transcripts
 * (fixtures/transcripts/<scenario.transcript>.json): every step as it was sent and answered,
 * numbered on through the scenarios that share a file; a watch's events as its stream. The
 * differences the scenarios declare become the file's known differences.
 */
export interface TranscriptFile {
  steps: unknown[];
  /** step number → the reason, or the reason and the answer paths left out of the comparison. */
  knownDifferences: Record<string, string | { reason: string; paths: string[] }>;
}

/** Values of one cluster only: its CA and its ServiceAccount tokens stay out of the fixtures. */
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      (key === 'ca.crt' || key === 'token') && typeof child === 'string' ? '' : scrub(child),
    ]),
  );
}

export function transcriptOf(runs: { scenario: Scenario; steps: StepRun[] }[]): TranscriptFile {
  const file: TranscriptFile = { steps: [], knownDifferences: {} };
  for (const { scenario, steps } of runs) {
    for (const [index, step] of scenario.steps.entries()) {
      const number = file.steps.length + 1;
      const run = steps[index];
      if (step.wait) file.steps.push({ step: number, note: step.note, wait: step.wait });
      else {
        const request = run?.request;
        const answer = run?.answer;
        if (!request || !answer) throw new Error(`${scenario.name} step ${index + 1} did not run`);
        const watch = /[?&]watch=(1|true)/.test(request.path);
        const body = scrub(answer.body);
        file.steps.push({
          step: number,
          note: `${scenario.name}: ${step.note}`,
          request: scrub(request),
          response: watch ? { status: answer.status, stream: body } : { status: answer.status, body },
        });
      }
      if (step.differs)
        file.knownDifferences[String(number)] = step.differs.paths
          ? { reason: step.differs.reason, paths: step.differs.paths }
          : step.differs.reason;
    }
  }
  return file;
}
