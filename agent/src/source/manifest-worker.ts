/**
 * The body of a manifest-reading worker thread (manifest-isolation.ts starts it): reads and
 * parses what it is sent and answers with the manifests or the error, so that parsing a
 * hostile bundle uses this thread's CPU and heap, never the agent's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { SourceError } from './limits';
import { ManifestError, readManifests, readRenderedManifests } from './manifest-reader';
import type { ReadJob, ReadAnswer } from './manifest-isolation';

async function answer(job: ReadJob): Promise<ReadAnswer> {
  try {
    const manifests =
      job.kind === 'files'
        ? await readManifests(job.checkoutRoot, job.sourcePath, job.limits, job.values)
        : readRenderedManifests(job.text, job.name, job.limits, job.values);
    return { id: job.id, manifests };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ManifestError) return { id: job.id, error: { kind: 'manifest', message, problems: error.problems } };
    if (error instanceof SourceError) return { id: job.id, error: { kind: 'source', message } };
    return { id: job.id, error: { kind: 'other', message } };
  }
}

parentPort?.on('message', (job: ReadJob) => {
  void answer(job).then((reply) => parentPort?.postMessage(reply));
});
parentPort?.postMessage({ ready: true });
