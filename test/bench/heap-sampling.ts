/**
 * A preload for a process under a benchmark: V8's sampling heap profiler, counting what was
 * allocated, collected or not — what the collector has to do, where `--heap-prof` keeps only
 * what is still alive when the process exits. SIGUSR2 starts sampling; the next SIGUSR2 stops it
 * and writes `heap-sampling-<pid>-<n>.heapprofile` (Chrome DevTools reads it) into
 * HEAP_SAMPLING_DIR, or test-output. HEAP_SAMPLING_SURVIVORS=1 leaves out what the young
 * generation's collection freed: what outlived a scavenge, the objects each scavenge copies
 * (docs/scaling.md "Garbage collection"). The hub processes of the benchmarks get both
 * variables (hub-process.ts).
 *
 *   BENCH_HUB_NODE_ARGS="--require $PWD/dist/test/bench/heap-sampling.js" node dist/test/bench/scale.js
 *   kill -USR2 <hub pid>   (start, e.g. once the cold start is over)
 *   kill -USR2 <hub pid>   (stop and write, before the bench ends the hub)
 *
 * The hub's pid is in `ps`: the process running dist/hub/src/main.js.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join, resolve } from 'node:path';

const dir = resolve(process.env.HEAP_SAMPLING_DIR ?? 'test-output');
const survivorsOnly = process.env.HEAP_SAMPLING_SURVIVORS === '1';
const session = new Session();
session.connect();
let sampling = false;
let written = 0;

process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post(
      'HeapProfiler.startSampling',
      { samplingInterval: 32 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivorsOnly },
      (error) => {
        if (error) {
          sampling = false;
          process.stderr.write(`heap sampling did not start: ${error.message}\n`);
        }
      },
    );
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) return void process.stderr.write(`heap sampling did not stop: ${error.message}\n`);
    // A profile that cannot be written is reported, never a reason for the process under test to end.
    try {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `heap-sampling-${process.pid}-${written++}.heapprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(`heap sampling: ${file}\n`);
    } catch (writeError) {
      process.stderr.write(`heap sampling: the profile could not be written to ${dir}: ${String(writeError)}\n`);
    }
  });
});
