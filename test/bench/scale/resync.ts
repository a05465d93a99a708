/** The resync phase: every agent reports its unchanged status again. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeFleet } from '../fake-agents/fake-fleet';
import { max, synced } from './agent-stats';
import type { Run } from './run-setup';
import { note, noteValue } from './run-figures';
import { LIMIT, RESYNC_SECONDS } from './settings';

/**
 * Every agent says its unchanged status again, as on a periodic resync: what a status that
 * changes nothing costs the hub (with BENCH_ROLLOUT, whether it calls for rollout steps).
 */
export async function resync(run: Run, fleet: FakeFleet): Promise<void> {
  const { size } = run;
  const cpuBefore = await run.hubsTogether.cpuMs();
  const from = Date.now();
  await fleet.resync(RESYNC_SECONDS * 1000);
  const agents = await fleet.until(synced(run.head), LIMIT, 'every agent to have its repeated report acked', 200);
  note(
    run,
    `every agent reports again, unchanged${RESYNC_SECONDS > 0 ? ` over ${RESYNC_SECONDS} s` : ''} → all acked (s)`,
    (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000,
  );
  // What the reports set off after their acks (rollout steps) runs on: counted over 5 s more.
  await sleep(5_000);
  noteValue(
    run,
    '  hub CPU per repeated report, acks and 5 s after (ms)',
    (((await run.hubsTogether.cpuMs()) - cpuBefore) / size).toFixed(2),
  );
  await run.phases.end('resync', from);
}
