/** The read side: what the REST API's readers ask of the hub once the fleet is in sync. */
import { commitGate, dashboardFleetData, listAll, rolloutOf } from '../hub-http';
import type { Run } from './run-setup';
import { note, noteValue } from './run-figures';
import { ROLLOUT } from './settings';

/**
 * The read side: the whole cluster list, the dashboard's fleet data, the commit gate (and the
 * rollout, with BENCH_ROLLOUT), each a profile phase of its own, and the hubs' peak RSS meanwhile.
 */
export async function readSide(run: Run): Promise<void> {
  // The list's time counts from before the first RSS read (a read of /proc), as it always has:
  // its figures stay comparable with the earlier rounds'.
  const from = Date.now();
  let peakRss = await run.hubsTogether.rss();
  const sampler = setInterval(() => void run.hubsTogether.rss().then((rss) => (peakRss = Math.max(peakRss, rss))), 100);
  await clusterList(run, from);
  await dashboardData(run);
  await commitGates(run);
  if (ROLLOUT !== undefined) await rolloutReads(run);
  clearInterval(sampler);
  noteValue(run, '  hub peak RSS while serving (MB)', (peakRss / 1024 / 1024).toFixed(0));
}

/** The whole cluster list, every page at the largest page size; then twice more, unprofiled. */
async function clusterList(run: Run, from: number): Promise<void> {
  const { size, token, hub } = run;
  const listed = await listAll(hub.httpUrl, token, '/api/v1/clusters');
  if (listed !== size) throw new Error(`GET /api/v1/clusters listed ${listed} clusters, not ${size}`);
  note(run, 'whole cluster list via GET /api/v1/clusters (s)', (Date.now() - from) / 1000);
  // Each read is a phase of its own: its statements and profile apart.
  await run.phases.end('read: cluster list', from);
  // Twice more, outside the profiled phase: one list's time moved by half between runs of
  // the same code (1.02-1.69 s at 10,000); three tell a change from that.
  const again: string[] = [];
  for (let i = 0; i < 2; i++) {
    const at = Date.now();
    const count = await listAll(hub.httpUrl, token, '/api/v1/clusters');
    if (count !== size) throw new Error(`GET /api/v1/clusters listed ${count} clusters, not ${size}`);
    again.push(((Date.now() - at) / 1000).toFixed(2));
  }
  noteValue(run, '  the whole list again, twice (s)', again.join(' / '));
}

/** What the dashboard's fleet view loads. */
async function dashboardData(run: Run): Promise<void> {
  const from = Date.now();
  await dashboardFleetData(run.hub.httpUrl, run.token);
  note(run, 'dashboard fleet data (s)', (Date.now() - from) / 1000);
  await run.phases.end('read: dashboard', from);
}

/**
 * The commit gate, what a pipeline polls after its push: three in a row, as it polls, since one
 * answer can fall on a collection of the list's garbage.
 */
async function commitGates(run: Run): Promise<void> {
  const { size, head } = run;
  const from = Date.now();
  const times: number[] = [];
  let gate = { state: '', clusters: 0, bytes: 0 };
  for (let i = 0; i < 3; i++) {
    const askedAt = Date.now();
    gate = await commitGate(run.hub.httpUrl, run.token, head);
    times.push((Date.now() - askedAt) / 1000);
    if (gate.state !== 'reached' || gate.clusters !== size)
      throw new Error(`GET /api/v1/commits/${head} answered ${gate.state} over ${gate.clusters} clusters, not reached on ${size}`);
  }
  noteValue(run, 'commit gate via GET /api/v1/commits/:commit, 3 in a row (s)', times.map((g) => g.toFixed(2)).join(' / '));
  noteValue(run, '  its answer (KB)', (gate.bytes / 1024).toFixed(0));
  await run.phases.end('read: commit gate', from);
}

/** What `gitfleet rollout app` and the dashboard's rollout page read, three in a row. */
async function rolloutReads(run: Run): Promise<void> {
  const { size } = run;
  const from = Date.now();
  const times: number[] = [];
  let view = { state: '', clusters: 0, listed: 0, bytes: 0 };
  for (let i = 0; i < 3; i++) {
    const askedAt = Date.now();
    view = await rolloutOf(run.hub.httpUrl, run.token, 'app');
    times.push((Date.now() - askedAt) / 1000);
    if (view.clusters !== size) throw new Error(`GET /api/v1/rollouts/app counted ${view.clusters} clusters, not ${size}`);
  }
  noteValue(run, 'rollout via GET /api/v1/rollouts/app, 3 in a row (s)', times.map((t) => t.toFixed(2)).join(' / '));
  if (view.state !== 'done') throw new Error(`the rollout of app is ${view.state} after the commit, not done`);
  noteValue(run, '  its answer (KB) / clusters listed', `${(view.bytes / 1024).toFixed(0)} / ${view.listed}`);
  await run.phases.end('read: rollout', from);
}
