/** Fleet commits, each from its push until every TargetSet, report and fleet event is in. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import type { FakeFleet } from '../fake-agents/fake-fleet';
import { pushWebhook } from '../hub-http';
import { byReplica, max, spread, sum, synced } from './agent-stats';
import { manifests } from './fleet-repo';
import type { Run } from './run-setup';
import { cpuNow, note, noteCpu, noteHubCpuPerAgent, noteSyscalls, noteValue } from './run-figures';
import { BUNDLES, COMMITS, LIMIT, REPLICAS, TRIGGER } from './settings';

/**
 * Fleet commits: TargetSets, acks, reports, events. Several (BENCH_COMMITS) a few seconds apart,
 * so that they land at different points of the hub's heartbeat rounds.
 */
export async function commits(run: Run, fleet: FakeFleet): Promise<void> {
  for (let round = 1; round <= COMMITS; round++) {
    if (round > 1) await sleep(2_000 + Math.random() * 3_000);
    await commit(run, fleet, round);
  }
}

/** One fleet commit, from its push until every TargetSet, report and fleet event is in. */
async function commit(run: Run, fleet: FakeFleet, round: number): Promise<void> {
  const { size, pg } = run;
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtCommit = await cpuNow(run);
  const eventIdBefore = (await pg.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM fleet_event`)).rows[0].id;
  const from = Date.now();
  const head = await run.repo.commit({ 'apps/app/app.yaml': manifests(round) }, `round ${round}`);
  const pushedAt = Date.now();
  run.head = head;
  if (TRIGGER === 'webhook') await pushWebhook(run.hub.httpUrl, run.token, run.repo.url, run.repo.branch);
  // The times cross over once, after the acks: an agent's targetSetAt stays that of this
  // commit's TargetSet until the next.
  await fleet.reach({ commit: head, acked: false }, LIMIT, 'every TargetSet at the new commit', 20);
  const agents = await fleet.until(synced(head), LIMIT, 'every report at the new commit acked', 20);
  note(run, 'commit → all TargetSets received (s)', (max(agents.map((a) => a.targetSetAt!)) - from) / 1000);
  // With replicas: the agents of the one the webhook reached (which places) first, then the others'
  // (which hear by a signal once the pass is written, and read their TargetSets from the database).
  if (REPLICAS > 1)
    noteValue(
      run,
      '  all TargetSets by replica, the placing one first (s)',
      byReplica(agents, REPLICAS)
        .map((mine) => ((max(mine.map((a) => a.targetSetAt!)) - from) / 1000).toFixed(2))
        .join(' / '),
    );
  const firstTargetSet = Math.min(...agents.map((a) => a.targetSetAt!));
  // What comes before any TargetSet: the webhook, the fetch, the checks, the packing and the placement.
  noteValue(run, '  commit → first TargetSet received (s)', ((firstTargetSet - from) / 1000).toFixed(2));
  // The figures count from before the bench's own commit and push (git add, commit, push to the
  // bare repository, rev-parse: a few git processes), which the hub cannot see coming.
  noteValue(run, "  the bench's commit and push, of that (s)", ((pushedAt - from) / 1000).toFixed(2));
  // Deltas (only the targets that changed) where the agent held the TargetSet before; a refused one is a hub bug.
  noteValue(
    run,
    '  TargetSets as deltas / deltas refused (whole run)',
    `${agents.filter((a) => a.lastWasDelta).length} / ${sum(agents.map((a) => a.deltaRefusals))}`,
  );
  // Whether the reports trail the TargetSets by a constant (the status path's latency) or gather
  // in a tail at the end (its throughput).
  noteValue(run, '  TargetSets: half / 90 % / 99 % by (s)', spread(agents.map((a) => a.targetSetAt! - from)));
  noteValue(run, '  reports acked: half / 90 % / 99 % by (s)', spread(agents.map((a) => a.reportsAckedAt! - from)));
  // The hub acks a report once its row is committed, so the last ack is when the last row
  // was stored; the rows are counted once to hold it to that (polled until there otherwise,
  // which would be a bug: the figure then takes the later time).
  // (Counted there at the first query, the figure is the last ack: the count itself comes after
  // the times crossed over from the generators, which is the bench's latency, not the hub's.)
  const acked = max(agents.map((a) => a.reportsAckedAt!));
  // The commit each bundle's targets name: `app`'s is the head; a bundle the commit left exactly
  // as it was keeps its earlier one (hub/src/fleet-repo/content-commits.ts), and its clusters
  // report nothing for it. Every cluster's every bundle is counted at its own.
  const targetCommits = (
    await pg.query<{ name: string; commit: string }>(
      `SELECT name, COALESCE(spec->'source'->>'contentCommit', spec->'source'->>'commit') AS commit FROM bundle`,
    )
  ).rows;
  const changed = targetCommits.filter((b) => b.commit === head).length;
  const counted = await pollCount(
    pg,
    `SELECT count(*)::int AS n FROM bundle_status s JOIN unnest($1::text[], $2::text[]) AS b(bundle, commit) ON (s.bundle, s.commit) = (b.bundle, b.commit)`,
    [targetCommits.map((b) => b.name), targetCommits.map((b) => b.commit)],
    size * BUNDLES,
  );
  const persistedAt = counted.queries === 1 ? acked : counted.at;
  if (counted.queries > 1) console.log(`    !! reports acked ${persistedAt - acked} ms before their rows were all there`);
  note(run, 'commit → all StatusReports acked and persisted (s)', (persistedAt - from) / 1000);
  noteValue(run, '  rows counted, after the last ack (ms)', String(counted.at - acked));
  // Only the events since the commit's are counted (the type index, from the id before it): the
  // poll must not scan every earlier commit's events on the database the hub is writing to.
  const { at: eventsAt } = await pollCount(
    pg,
    `SELECT count(*)::int AS n FROM fleet_event WHERE type = 'sync.succeeded' AND id > $2 AND commit = $1`,
    [head, eventIdBefore],
    size * changed,
  );
  note(run, 'fleet events finished (s)', (eventsAt - from) / 1000);
  noteValue(run, 'status rows/s while writing', ((size * changed * 1000) / Math.max(1, persistedAt - firstTargetSet)).toFixed(0));
  await noteHubCpuPerAgent(run, '  hub CPU per agent, commit → events (ms)', cpuAtCommit);
  noteSyscalls(run, '  hub reads / writes per agent, commit → events', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s: hub / generators / postgres / bench / rest', cpuAtCommit);
  await run.phases.end(COMMITS === 1 ? 'commit' : `commit ${round}`, from);
}

/** Counts with `sql` (every 25 ms) until there are `want`: when that was seen, and after how many queries. */
async function pollCount(pg: Client, sql: string, params: unknown[], want: number): Promise<{ at: number; queries: number }> {
  const deadline = Date.now() + LIMIT;
  for (let queries = 1; ; queries++) {
    const { rows } = await pg.query<{ n: number }>(sql, params);
    if (rows[0].n >= want) return { at: Date.now(), queries };
    if (Date.now() > deadline) throw new Error(`timed out: ${sql} counted ${rows[0].n} of ${want}`);
    await sleep(25);
  }
}
