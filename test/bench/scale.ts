/**
 * Many clusters on one hub (issue 16): the hub in its own process on the real PostgreSQL (a
 * database of its own), N fake agents (fake-agents/, a connection each, several processes)
 * that register, connect, ack TargetSets and report. Per fleet size and run it prints the
 * issue's figures, each with the machine's load (1-minute loadavg) when it was taken:
 *
 *   register + connect + first report acked, all   — cold start of the whole fleet
 *   steady RSS                                      — the hub, a few seconds after
 *   commit → all TargetSets received                — from the push of a fleet commit
 *   commit → all StatusReports acked and persisted  — acks at the agents, rows in bundle_status
 *   fleet events finished                           — one sync.succeeded per cluster in fleet_event
 *   status rows/s while writing                     — reports / (last persisted − first TargetSet)
 *   whole cluster list via GET /api/v1/clusters     — every page at the largest page size
 *   dashboard fleet data                            — what the dashboard's fleet view loads
 *   commit gate via GET /api/v1/commits/:commit     — what a pipeline polls after its push (three
 *                                                     in a row, each timed; the read side's
 *                                                     three reads are profile phases of their own)
 *   all agents restarted → all in sync again        — every agent reconnects, Hello with the
 *                                                     checksum it holds, reports again, all acked
 *
 *   npm run build:bench && node dist/test/bench/scale.js
 *     BENCH_SIZES=1000,5000,10000 (or BENCH_AGENTS=1000)  BENCH_RUNS=1  BENCH_PROCESSES=4
 *     BENCH_HUB_NODE_ARGS="<node options>" for the hub processes, after the chart's own
 *     (hub-process.ts shippedNodeArgs: --max-semi-space-size=64; =16 measures V8's default)
 *     BENCH_HUB_LOG=<file>: the hubs' output (log lines, --trace-gc) appended there;
 *     BENCH_HUB_LOG_LEVEL=<level> (warn)
 *     BENCH_AGENT_CLIENT=h2 (default) or grpc-js: what the fake agents speak gitfleet.v1 with
 *     (fake-agents/agent-clients.ts; grpc-js is the real agent's library, at twice the CPU)
 *     BENCH_REGISTER_CONCURRENCY=250: registrations in flight per generator process (25 before
 *     registration was batched: that measured the generator, ~100 in flight, not the hub)
 *     GRPC_MAX_HANDSHAKES=<n> is passed to the hub (admission control; its default otherwise)
 *     BENCH_HUB_REPLICAS=<n>: n hubs on the one database, agents spread across them (the first
 *     polls the fleet repository and is profiled); RSS and CPU figures are their sums
 *     BENCH_PROFILE=1: the hub runs with --cpu-prof/--heap-prof; the profiles (written when it
 *     exits) land in test-output/scale-profile-<size>-<run>/, and the top functions by self time
 *     are printed per phase from a CPU profile taken over that phase alone (inspector-free:
 *     the profile's samples carry timestamps, which are cut at the phase boundaries).
 *
 * BENCH_PROFILE=1 also preloads count-queries.ts: the SQL statements the hub sent in each phase.
 * BENCH_CPU_PROFILE=<dir>: each generator process writes a CPU profile there as it exits.
 *
 * BENCH_TRIGGER=webhook (the default): a signed push webhook right after each commit, the hub
 *   polling every 60 s. BENCH_TRIGGER=poll: no webhook, the hub polls every 0.2 s ("commit →"
 *   figures then include up to 0.2 s of poll delay). The first three rounds below polled; the
 *   fourth found that polling five times a second (no deployment does: the default is 15 s)
 *   forks the whole hub process for git that often and was half the hub's CPU in a storm.
 * BENCH_COMMITS=<n>: fleet commits measured per run, a few seconds apart (1).
 * BENCH_PHASES=read,storm: the phases after the commits; empty for cold start and commits only;
 *   `resync` (not by default): every agent reports its unchanged status again, as on a periodic
 *   resync, and the hub's CPU is counted until 5 s after the last ack. BENCH_RESYNC_SECONDS=<s>
 *   spreads the reports over that long (default 0: all at once), as resyncs of a fleet fall.
 * BENCH_ROLLOUT=<autoPartitionSize>/<maxUnavailable> (e.g. 25%/25%): the bench's bundle has a
 *   progressive rollout with those settings, so each commit goes out partition by partition and
 *   wave by wave; the commit figures then span the whole rollout (with BENCH_PROFILE=1, the
 *   phase's statements count the steps: one `INSERT INTO rollout` each).
 *
 * FINDINGS, before any change (1,000 agents, one run, machine load 5–9 from other work;
 * `BENCH_SIZES=1000 BENCH_PROFILE=1 node dist/test/bench/scale.js`):
 *   - The hub's CPU goes to round trips, not to computing: its top self-time entry is
 *     `writev` under pg's query submit (2.0 of 8.5 busy seconds at cold start, 0.8 s of 2.6 in
 *     the restart storm) — one syscall per statement — then pg row parsing. No hub function of
 *     its own reaches 1 %. So the work is counting statements:
 *   - cold start: 20.9 statements per agent. Per registration a placement run of its own
 *     (clusters.service → placement.service: target_set read, bundle_pin read 2.3×, the rollout
 *     step's `DELETE FROM rollout` 1.3×) and a transaction; 3 fleet events per agent
 *     (cluster.registered, cluster.connected, sync.succeeded), each its own INSERT … pg_notify;
 *     the cluster row read twice (registration, authentication).
 *   - commit: 2.3 statements per agent: one `UPDATE target_set` per TargetSetAck and one
 *     fleet_event INSERT + pg_notify per sync.succeeded (the status reports themselves are
 *     already batched: a few multi-row statements in all). Fleet events finish 2.4 s after the
 *     acks because they are written one by one behind them; ~190 re-reads of fleet_event by id
 *     (the NOTIFY echo).
 *   - restart storm: 5 statements per agent though no TargetSet is resent: disconnect UPDATE,
 *     connect UPDATE, the cluster read at authentication, the presence-event read, the
 *     TargetSet read at Hello. No stream failures at 1,000; the listen queue overflowed (~700).
 *   - read side: 0.4 s for the whole list at 1,000 (every cluster, TargetSet and status read
 *     for each page of 500: 3 full-table reads per page).
 *   Acted on, in this order: batched acks and fleet events (one multi-row INSERT, one NOTIFY
 *   per batch), registrations placed in batches, presence writes batched, admission control
 *   (GRPC_MAX_HANDSHAKES), keyset cluster pages, batched authentication and Hello reads.
 *
 * AFTER (same command; machine load 2–6):
 *   1,000 (2 runs): cold start 4.6–4.9 s (was 9.0–15.4), 7.6 statements per agent (was 20.9);
 *     commit → TargetSets 0.69–0.83 s, → reports acked and persisted 0.90–1.19 s (was 0.81–1.39),
 *     → fleet events 0.90–1.20 s (was 1.42–3.83), 0.1 statements per agent (was 2.3); restart
 *     storm 2.0–2.5 s (was 3.0–5.2), 0.5 statements and 0.85 ms of hub CPU per agent (was 5.0
 *     and 1.9 ms); whole list 0.09–0.27 s.
 *   5,000: cold start 20.9 s (246 registrations/s; registration is now the largest cost: a
 *     lookup and a transaction per agent), commit → TargetSets 1.4 s, → reports 3.0 s, → events
 *     3.0 s; restart storm 13.2 s (31.4 s before the batched authentication, with 353
 *     RESOURCE_EXHAUSTED refusals then, none after); whole list 1.07 s, RSS 359 MB steady.
 *   10,000 (one run each): cold start 43–63 s (160–236 registrations/s), 6.0 statements per
 *     agent; commit → TargetSets 2.7–5.9 s, → reports acked and persisted 5.4–10.5 s, → events
 *     5.5–10.7 s (0.4–0.5 ms of hub CPU per agent); whole list 0.9–2.4 s; steady RSS 516–569
 *     MB, 642–724 MB while serving. Restart storm: 142–165 s with GRPC_MAX_HANDSHAKES=256
 *     (120,000 RESOURCE_EXHAUSTED refusals, the hub half idle, 4.4 ms of CPU per reconnect),
 *     38.6 s with 2,000 (2,251 refusals, 1.2 ms per reconnect) — hence the default of 2,000.
 *   What remained, by the profiles: registration (4 statements each, not batched), the status
 *   rate bound by how fast the agents report, the listen backlog (grpc-js sets none: overflows
 *   in storms), and at 0.2 s polling `git` child processes (3–5 % of the hub's CPU).
 *
 * SECOND ROUND (10,000 agents, BENCH_PROFILE=1, load 2.5–4): the commit's profile, git fetch to
 * the last TargetSet written to its socket, 1.5 s: 505 ms of CPU in place() (canonical JSON
 * taken three times per target), 200 ms reading every stored target back, 650 ms of chunk
 * writes one after another, 210 ms of sends (of which 60 ms protobuf encoding, 130 ms socket
 * writes), then ~300 ms of native HTTP/2 framing. Acted on: TargetBuilder (a bundle target's
 * shared part and canonical text once per pass), per-bundle digests instead of re-reading
 * targets, chunks written three at a time while the next is computed (announcing each chunk
 * as it was written was slower: the first agents' acks competed with the remaining sends),
 * the session signals' NOTIFYs in one statement, the hub's own listener with a 4,096 backlog
 * (66,674 overflows in one run before, 1,409–2,651 after), registrations batched (helper
 * branch h-registration) and BENCH_REGISTER_CONCURRENCY, the status writer in two lanes with
 * JSON parameters (bench/status-writer.ts: 25,000 rows/s saturated).
 *
 * AFTER (`BENCH_SIZES=1000,5000,10000 BENCH_RUNS=3`, min/median/max, load 1.5–5.4):
 *   10,000: cold start 20.8/21.0/22.9 s (457–507 registrations/s); commit → TargetSets
 *     1.75/2.08/2.21 s, → reports acked and persisted 3.36/3.90/4.23 s, → fleet events
 *     3.56/4.57/4.58 s; whole list 0.81/0.87/1.22 s; dashboard fleet data 0.47/0.49/0.72 s;
 *     restart storm 15.0/17.7/18.5 s; steady RSS 505–524 MB, 702–771 MB while serving.
 *   5,000: cold start 11.0–11.6 s; commit → TargetSets 0.98–1.16 s, → reports 1.79–2.03 s;
 *     restart storm 6.2–6.7 s. 1,000: commit → TargetSets 0.39–0.64 s, → reports 0.62–0.85 s.
 *   What is left at 10,000 is CPU on a 2-core machine that also runs PostgreSQL and the four
 *   generator processes: 0.24–0.33 ms of hub CPU per agent from commit to events, spread over
 *   the push, message decoding, the status path and GC, with no one hub function above 6 %.
 *
 * THIRD ROUND, on another 2-core machine (a Firecracker VM): the same code at 10,000 measured
 * cold start 88–135 s, commit → TargetSets 5.3–8.0 s (7.0–15.9 s over four commits in one run),
 * → reports stored 10.9–22.7 s, restart storm 148–184 s. The machine, not the code, had changed:
 * a socket write that wakes another process costs ~70 µs there (system calls cross the VM), a
 * fork of the hub ~8 ms; `grpc-floor.js` (a bare grpc-js server) connects 10,000 streams in
 * 14.7 s and pushes + acks 2 KB to all in 0.9–1.5 s. The profile (BENCH_PROFILE=1) showed:
 *   - heartbeats: one burst of 10,000 writes every 10 s, ~1 s of the event loop each time
 *     (31.5 s of a 357 s run), also during commits;
 *   - 0.2 s polling: two git processes per poll, each a fork of a 500 MB hub (6.6 s + 7 s of
 *     simple-git in a cold start);
 *   - a rollout step after every placement and status batch, each with a DELETE although no
 *     bundle has a rollout (2,215 of 31,115 cold-start statements);
 *   - createHash objects, 2.9 s of a cold start (credentials, tokens, target digests);
 *   - in storms, agents held off by grpc-js's own reconnect backoff (up to 120 s) after a reset
 *     connection: 6,414–366,764 failed stream attempts per restart.
 * Acted on: heartbeats spread over the interval and skipped on streams that just carried
 * something; one `ls-remote` per unchanged poll; ended rollouts forgotten once per fleet commit
 * and pins (and each tick); crypto.hash; a new channel after a failed connection (agent and fake
 * agents). Added: BENCH_COMMITS, BENCH_PHASES, BENCH_TRIGGER=webhook, system calls per agent,
 * and where the machine's CPU went per commit.
 *
 * AFTER, same machine (`BENCH_SIZES=10000 BENCH_COMMITS=3`, one run, load 2.5–4.0): cold start
 * 92.6 s (111 registrations/s, 7.6 ms of hub CPU and 14 reads / 14 writes per agent); commit →
 * TargetSets 4.91/5.66/7.83 s, → reports stored 9.90/10.09/11.64 s, → events 10.35–12.25 s (hub
 * 0.72–0.88 ms of CPU and 2.1–2.4 writes per agent, was 1.07–1.64 ms and 3.3–4.8); whole list
 * 2.31 s; dashboard data 1.13 s; restart storm 157.6 s (3,071 failed attempts). Per commit the
 * two cores are full: hub 7.2–8.8 s of CPU, generators 4.7–6.6 s, PostgreSQL 3.1–3.5 s, the rest
 * 2.5–3.2 s over 10–12 s. What is left is the hub's CPU per connection (~10 ms per reconnect
 * against ~1.5 ms for the bare floor) and per message on this VM.
 * 5,000 on the same machine (`BENCH_SIZES=5000 BENCH_COMMITS=3`, load 2.3–2.9), before → after:
 * cold start 33.6 → 28.2 s; commit → TargetSets 4.29 → 2.43/2.58/2.97 s, → reports stored
 * 6.43 → 4.17/4.29/4.70 s; restart storm 27.6 → 23.9 s; dashboard data 0.40 s.
 *
 * FOURTH ROUND, the same kind of machine (grpc-floor: 10,000 streams in 15.0 s, push + acks
 * 0.81–1.49 s). Profiled first (`BENCH_SIZES=5000 BENCH_PHASES=storm BENCH_PROFILE=1`): of 48 s of
 * busy hub in the storm, 7.9 s went to SQL (10,098 statements, 2.0 per reconnect: authentication,
 * the Hello's TargetSet read, connects, statuses, presence events; batches of 2–3, since agents
 * arrived at ~85/s), 3.1 s to simple-git and 2.5 s to spawning git for the 0.2 s polling, 3.0 s
 * to heartbeats of the sessions already back, 5.2 s to GC. Polling five times a second forks the
 * whole hub for git each time, which no deployment does (the default is 15 s): with the same code,
 * 5,000 agents, one run each, polling → webhook: storm 27.1 → 16.4 s, hub CPU per reconnect 3.94 →
 * 1.84 ms, cold start 32.8 → 22.1 s (2.37 ms per agent), the webhook run under the profiler, which
 * only adds (unprofiled, with the webhook, 1.10–1.47 ms per reconnect in four runs). Acted on: the bench sends a push webhook
 * per commit by default (BENCH_TRIGGER=poll keeps the old way); the authentication read also
 * returns the TargetSet's revision and checksum, so the Hello of an agent that holds it needs no
 * read (a profiled storm went from 2.0 statements per reconnect, polling and the old code, to 0.4
 * with both changes, batches growing as agents come back faster; between the old and the new code,
 * both with the webhook, the CPU difference was within run-to-run noise: 0.89/1.47 against
 * 1.10/1.23 ms per reconnect, two runs each at load 3–6);
 * placement reads the active clusters as plain rows (TypeORM entities of 10,000 clusters showed in
 * the commit's profile). The commit at 10,000 (profile, 49.7–60.8 s): 4.2 s from the push to the
 * placement starting, the hub a quarter idle while git processes and the other processes share the
 * cores, then 1.1 s placing and pushing and ~1 s of native HTTP/2 writes.
 *
 * AFTER (`BENCH_SIZES=10000 BENCH_COMMITS=3`, webhook, one run, load 2.9–5.5): cold start 34.7 s
 * (309 registrations/s, 1.72 ms of hub CPU per agent); commit → TargetSets 5.05/5.29/6.36 s, →
 * reports stored 7.82/8.27/9.97 s, → events 8.09–10.35 s (0.52–0.70 ms of hub CPU per agent);
 * whole list 1.16 s; dashboard data 0.60 s; restart storm 27.9 s (1.09 ms per reconnect, 3,297
 * busy refusals); steady RSS 512 MB. Per commit the machine's two cores are full: hub 5.2–7.0 s of
 * CPU, generators 4.4–5.3 s, PostgreSQL 3.0–3.8 s, the rest 2.1–2.9 s over 8–10 s — the commit
 * goals (1.5 s and 2 s) need a machine where the agents are not on the hub's two cores.
 *
 * FIFTH ROUND, a third 2-core machine (grpc-floor: 10,000 streams in 7.9 s, push + acks
 * 0.46–0.70 s; a 16-byte socket write 3.4 µs). The landed code reproduced at 10,000 (3 commits,
 * load 2.7–3.5): cold start 22.5 s, commit → TargetSets 1.65/1.84/2.16 s, → reports 3.29/3.83/3.91
 * s. Found, by a CPU profile and a log of every statement's start and end (a preloaded wrapper
 * of pg's Client.query):
 *   - the bench itself: waiting for the agents, it had every generator send all its agents'
 *     times every 50 ms (2.5 MB serialised and parsed per check at 10,000), 0.6–0.7 s of the
 *     machine's CPU per commit with the rest. Now each generator checks its own agents and
 *     answers once, and the rows are counted once (reports) or from the commit's first event id
 *     (events): 1.52/1.55/1.74 s and 3.09/3.35/3.44 s with the same hub.
 *   - 10–14 of a commit's 27 fleet event batches read back by the hub that wrote them (their
 *     NOTIFY reached the LISTEN connection before the INSERT's answer): fixed.
 *   - GC 15–18 % of the hub during a commit, scavenges of 10–60 ms whose objects mostly survive
 *     (--trace-gc via BENCH_HUB_LOG); --max-semi-space-size=64 made them fewer and longer, no faster.
 *   - sending each chunk of TargetSets once written, instead of all at once, was slower again
 *     (1.84/2.29/2.89 s); the 67-payload NOTIFY of a commit's signal, 509 ms in the log, takes
 *     8–18 ms alone (it waited for a core).
 * AFTER (`BENCH_SIZES=1000,5000,10000 BENCH_RUNS=3 BENCH_COMMITS=3`, min/median/max of 3 runs and
 * 9 commits, load 0.9–5.4), at 10,000: cold start 20.4/20.5/20.9 s (516–523 registrations/s);
 * commit → TargetSets 1.41/1.50/1.85 s, → reports stored 2.74/3.04/3.29 s, → events
 * 2.88/3.18/3.48 s; whole list 0.69–0.77 s; dashboard data 0.05–0.07 s (the summary now counted
 * in PostgreSQL); restart storm 15.5–15.7 s; steady RSS 499–522 MB. Per commit: hub 1.8–2.4 s of
 * CPU, generators 1.5–2.0, PostgreSQL 1.2–1.7, over ~3 s on two cores. At 5,000: commit →
 * TargetSets 0.81/0.92/1.13 s, → reports 1.55/1.79/2.05 s. Two replicas at 10,000 (one run):
 * commit → TargetSets 2.16–2.32 s, → reports 2.66–3.05 s, restart 13.0 s, 686 MB.
 *
 * SIXTH ROUND, the same machine. Reproduced (`BENCH_SIZES=10000 BENCH_COMMITS=4 BENCH_PHASES=`,
 * load 2.4–3.1): commit → TargetSets 1.28/1.52/1.56 s, → reports 2.84/3.13/3.50 s. Found with the
 * hub's CPU profile bucketed per 100 ms, PostgreSQL's log of every statement with its duration,
 * and auto_explain (ANALYZE) of the status statement:
 *   - each status lane idle 100–400 ms between batches: a written batch's 2,000 callers, each
 *     writing an ack to its stream, ran before the lane's next batch was sent. The lanes now send
 *     it first (Batcher's callersAfterNextWrite); in the log the six batches of a commit run back
 *     to back. On every batcher it held handshakes a turn of the loop: restart storm 16.5–17.0 s
 *     against 15.8–16.2 s, three runs each; so only the status lanes do it.
 *   - the push: ~0.2 s of JS, then ~0.45 s of native HTTP/2 writes (~45 µs a socket) during
 *     which the hub reads nothing; each cluster's TargetSet was encoded whole. The bundle
 *     target's bytes are now encoded once and each cluster's values appended (10,000 TargetSets:
 *     43–84 ms → 25–40 ms).
 *   - this bench: the reports figure was the time its row count came back (45–82 ms after the
 *     last ack), and the wait for TargetSets brought every agent's times over mid-commit. Now the
 *     figure is the last ack when the first count finds every row (the count's delay printed
 *     beside it), and the times cross over once per commit.
 *   - the status statement (1,956 rows, 194 ms under load): json_to_recordset 26 ms, history
 *     insert 26, current-status upsert 45, deployment insert 23, the statuses it replaced 11,
 *     ~50 outside the plan (mostly two foreign-key checks per report); nothing dominates.
 *   - agents heartbeat on top of their acks and reports; they now skip it as the hub does.
 *   - tried: the generators at nice 10 (TargetSets reached them later: 1.87/2.22/2.63 s), two
 *     generator processes instead of four (within noise).
 * AFTER (`BENCH_SIZES=1000,5000,10000 BENCH_RUNS=3 BENCH_COMMITS=3`, load 2.2–5.8), at 10,000:
 * commit → TargetSets 1.20/1.39/1.47 s (every one of the 9 under 1.5 s), → reports stored
 * 2.56/2.68/2.81 s, → events 2.81/2.92/3.04 s; cold start 18.6/18.8/20.3 s (523–566
 * registrations/s); whole list 0.70–0.75 s; dashboard data 0.05–0.06 s; restart storm
 * 14.3/15.1/16.4 s; steady RSS 498–528 MB. Per commit: hub 1.9–2.3 s of CPU, generators 1.4–1.7,
 * PostgreSQL 1.1–1.3. At 5,000: commit → TargetSets 0.64/0.76/0.90 s, → reports 1.36/1.44/1.47 s.
 * Then room on the pages of target_set, bundle_status and cluster (fillfactor; only 20–29 % of
 * their updates were HOT, pg_stat_user_tables during a run): 100/60/75 % HOT, PostgreSQL's time in
 * a commit's statements a quarter less. At 10,000 (`BENCH_SIZES=10000 BENCH_RUNS=3
 * BENCH_COMMITS=3`, load 2.8–4.6): commit → TargetSets 1.21/1.29/1.51 s, → reports 2.39/2.57/2.82
 * s, → events 2.69/2.75/3.03 s, restart storm 14.0–14.4 s, PostgreSQL 1.0–1.2 s per commit.
 *
 * SEVENTH ROUND, a Firecracker VM again (grpc-floor: 10,000 streams in 12.5 s, push + acks
 * 0.82–1.34 s; a 16-byte socket write 4.6 µs). The landed code (`BENCH_SIZES=10000
 * BENCH_COMMITS=4 BENCH_PHASES=`, load 2.9–3.9): commit → TargetSets 4.41/4.67/5.04/5.62 s, →
 * reports 7.63–9.19 s, the hub 5.8–7.0 s of CPU per commit (0.58–0.70 ms per agent, three times
 * the fifth and sixth rounds' for the same reads and writes per agent). The same code at 4fbc209,
 * at 1,000 agents: the same figures, so the machine, as in the third and fourth rounds. The
 * profile said where: during the git phase of a commit (1.6 s from the webhook to placement
 * starting) `ChildProcess.spawn` alone took 193 ms, and through the rest of the commit native
 * code and GC ran long. A spawn forks the hub: its page tables are copied while the event loop
 * waits (22 ms at 570 MB here), then every page stays copy-on-write and its next write faults.
 * Writing a byte per page of 500 MB took 2.5 ms, and 1.75 s after one spawn (~14 µs a fault on
 * this VM). V8 writes all over its heap, and a commit starts 8 git processes. Acted on: the hub's
 * mirrors run in a git worker process (hub/src/fleet-repo/git-worker.ts) that starts git; the
 * hub forks once, at boot. Same command after: commit → TargetSets 2.17/2.56/2.65 s (4
 * commits), → reports 4.00–4.78 s, hub 2.8–3.5 s of CPU per commit (0.28–0.35 ms per agent), the
 * worker's CPU and RSS now counted as the hub's. Also: history tables without foreign keys (each
 * report locked its cluster row twice; bench/status-writer: PostgreSQL 9.9–10.6 → 9.3–9.7 s of
 * CPU per run of 100,000 reports).
 * AFTER (`BENCH_SIZES=1000,5000,10000 BENCH_RUNS=3 BENCH_COMMITS=3`, load 1.7–5.9), at 10,000:
 * commit → TargetSets 2.14/2.39/3.15 s, → reports 3.99/4.58/5.34 s, → events 4.31/4.86/5.74 s;
 * cold start 36.2/37.2/45.5 s; whole list 1.18–1.35 s; dashboard data 0.07–0.18 s; restart storm
 * 22.6–25.9 s; steady RSS 563–580 MB with the worker. Before, one run of the same command at
 * e6dc933: commit → TargetSets 5.02/6.53/6.58 s, → reports 8.55/9.30/13.40 s, whole list 2.87 s,
 * restart storm 48.8 s, cold start 45.4 s. At 5,000: commit → TargetSets 1.14/1.38/1.84 s (was
 * 2.01–2.18), → reports 1.92/2.32/3.13 s (was 2.96–3.25). Per commit at 10,000 the two cores are
 * full: hub 2.7–3.8 s of CPU, generators 2.2–3.2, PostgreSQL 2.0–2.7. Tried: the agent's git and
 * renderers started by a launcher process of the agent's in the same way; agent-sync's first sync
 * of 1,020 objects did not move (3.6–4.4 s either way, its git runs while the heap is ~36 MB)
 * and the launcher is another ~44 MB in a pod limited to 256 MiB, so the agent starts them itself.
 * At the hub's default LOG_LEVEL=info (this bench runs warn; BENCH_HUB_LOG_LEVEL=info), one run at
 * 10,000: commit → TargetSets 2.12/2.25/3.13 s, → reports 4.14/4.36/5.29 s, cold start 51.8 s.
 * Tried: the list's TargetSets read as bundle and commit only, projected in SQL: whole list
 * 1.15/1.26 → 1.07/1.22 s (`BENCH_PHASES=read BENCH_RUNS=2`), within noise, not kept (one bundle
 * per cluster here; the time is in reading and hydrating three tables' rows per page).
 *
 * SEVENTH ROUND (b2fdfd2, a machine where grpc-floor connects in 8.4 s, pushes in 0.57–1.05 s;
 * `BENCH_SIZES=5000,10000 BENCH_COMMITS=3`, one run, load 1.8–4.4), at 10,000: cold start 19.2 s
 * (561/s); commit → TargetSets 1.22/1.33/1.38 s, → reports 2.65/2.69/2.80 s, → events
 * 2.88/2.99/3.11 s; whole list 0.81 s; the new commit-gate figure 0.70 s for a 1,465 KB answer
 * (every targeted cluster of every bundle at the commit; 0.33 s and 733 KB at 5,000); restart
 * 16.3 s; RSS 578 MB. The commit's profile (BENCH_PROFILE=1): the hub busy 92 % of each quarter
 * second from webhook to last report — ~0.6 s of native code writing TargetSets to the streams,
 * 15–20 % GC, no function of the hub's own above 2 %. In the cold start 20 % of samples land in
 * writev under pg's query submit: with two cores shared by the hub, PostgreSQL and four
 * generators, that is likely the hub waiting for a core after waking PostgreSQL (the profile's
 * samples are wall-clock; 1.2 statements per agent) more than the system call itself (5,000
 * sequential `SELECT 1` over loopback, one process: 43 µs of system time each).
 *
 * EIGHTH ROUND, the commit gate (a slower machine: cold start 43–45 s; `BENCH_SIZES=10000
 * BENCH_COMMITS=1 BENCH_PHASES=read BENCH_PROFILE=1`, three gates in a row after the whole list,
 * the read side's reads profiled apart). Before: 1.12/1.24/1.81 s, 4.2 s of profile for the three,
 * 39 % GC, then pg's parseRow and parseDate and TypeORM's hydration of every cluster's TargetSet
 * (whole targets) and status; a 1,465 KB answer; read-side peak RSS 947 MB. After (walked 2,000
 * clusters a chunk, one statement each aggregating only the waited-for bundles' TargetSet commits
 * and statuses; at most `limit` clusters listed): 0.49/0.57/0.45 s, 1.5 s of profile with 0.6 s
 * idle on PostgreSQL; 15 KB; 814 MB.
 *
 * NINTH ROUND, progressive rollouts (the same machine; BENCH_ROLLOUT=25%/25%: four partitions,
 * four waves of 625 each). Reproduced first (`BENCH_SIZES=10000 BENCH_COMMITS=1 BENCH_PHASES=
 * BENCH_ROLLOUT=25%/25%`): the commit through all sixteen waves 43.8 s with 28.8 s of hub CPU;
 * cold start 116 s, steady RSS 1,149 MB. At 1,000 (BENCH_PROFILE=1) a commit cost the hub 4.4 ms
 * of CPU per cluster (0.35 without the rollout): every step — after each placement and status
 * batch — read all TargetSets and the bundle's statuses as entities (parseRow, parseDate,
 * hydration, 17 % GC), built every bundle's target for every cluster and compared it with the
 * held one as canonical JSON (sortKeys 9.5 %), and each admission re-placed the whole fleet.
 * AFTER (one statement per rolled-out bundle: held digest, its revision, status, resources only
 * when failed or degraded; targets kept between steps; admissions re-place only the admitted):
 * 13.7 s (15.9 in another run), 10.3 s of hub CPU; cold start 63–70 s. Steady RSS 914–1,036 MB
 * (560–590 without a rollout), but garbage, not a leak: with --max-old-space-size=500 the hub held
 * 681 MB through two commits' rollouts (15.4–16.2 s each).
 *
 * TENTH ROUND, the rollout's reads and steps (a 2-core machine where grpc-floor connects 10,000
 * streams in 11.5 s; one run each). GET /api/v1/rollouts/app after the commit (`BENCH_SIZES=10000
 * BENCH_COMMITS=1 BENCH_PHASES=read BENCH_ROLLOUT=25%/25%`, three in a row): every cluster of
 * every partition listed, 0.15/0.15/0.20 s and 362 KB; AFTER (counted and at most 100 listed in
 * PostgreSQL) 0.04/0.03/0.02 s and 4 KB. The steps (`BENCH_COMMITS=2 BENCH_PHASES=`, BENCH_PROFILE=1):
 * 50–52 steps per commit, about 190 ms of hub CPU each at 10,000 clusters, spread thin — pg's
 * parseRow 4 %, DesiredTargetCache.of 4 %, the step's loop over the facts 3 %, mapping the rows
 * 2.5 %, GC 17 %, idle 21 %. Not reading the plan in a step and not writing an unchanged one
 * (kept: it is less work for PostgreSQL and makes updatedAt mean something) changed nothing the
 * noise shows: commit 14.7/14.4 s before, 15.8/16.2 s after, hub CPU 10.3–10.5 vs 11.4–11.7 s at
 * a higher load. Tried and dropped: labels read as text and parsed once per distinct set, to
 * spare the cache's JSON.stringify — the bench's labels differ on every cluster, and the map of
 * 10,000 texts made the commit 19.3 s. What would pay is a step that reads only what changed
 * since the last one; it is not built. Every status that became current called for a step, the
 * same status said again too (what an agent's resync sends): the new `resync` phase, spread
 * over 30 s (`BENCH_PHASES=resync BENCH_RESYNC_SECONDS=30 BENCH_ROLLOUT=25%/25% BENCH_PROFILE=1`),
 * ran 115 steps, 2.46 ms of hub CPU per report, the hub idle 29 %. AFTER (only a status that
 * changed commit, phase, health, message or TargetSet revision calls for one): 4 steps (the
 * tick's), 0.92 ms, idle 79 %.
 *
 * ELEVENTH ROUND, steps that read only what changed (a 2-core machine slower and noisier than the
 * tenth round's; `BENCH_SIZES=10000 BENCH_COMMITS=2 BENCH_PHASES= BENCH_ROLLOUT=25%/25%`).
 * Reproduced first, at 599e0cb, two runs: the commit through the sixteen waves 15.2/18.2 and
 * 12.3/12.6 s, hub CPU 8.9–13.0 s. AFTER kept facts (each step reads by id only the clusters a
 * status batch, TargetSet write, registration or revocation named; the tick reads all): 9.3/9.4
 * and 9.1/10.7 s, hub CPU 6.2–7.6 s, PostgreSQL 3.5–4.0 s where it was 4.8–6.7. Profiled then
 * (BENCH_PROFILE=1): 57–59 steps a commit, each still making every cluster's RolloutCluster and
 * status again, copying the desired targets into a new map, and comparing TargetSet revisions
 * through BigInt, three times a cluster. AFTER kept planner inputs (RolloutInputs): 7.0/8.3 s,
 * hub CPU 5.1/6.3 s (6.5/7.4 s in the profiled run before). The non-rollout commit did not
 * move (`BENCH_COMMITS=3`): reports 4.40–4.99 s before, 4.58–5.19 s after, hub CPU 3.0–3.5 vs
 * 2.9–3.7 s. What is left of a step is O(clusters) with small constants: the planner's sort and
 * states, the plan's partitions (about 40 bytes a cluster) written when anything changed.
 *
 * TWELFTH ROUND, a slow 2-core machine (grpc-floor: 10,000 streams in 14.8 s, push + acks
 * 0.85–1.59 s). Reproduced (`BENCH_SIZES=10000 BENCH_COMMITS=3`, at 92defb7): cold start 45.9 s
 * (225/s), commit → TargetSets 3.00–3.36 s, → reports 5.51–5.80 s, whole list 1.64 s, restart
 * 33.2 s. Found:
 *   - where the CPU goes outside the commits: printed now for the cold start and the storm as
 *     well. In a cold start the generators took 30–49 s, the hub 17–28 s, PostgreSQL 14–24 s; the
 *     registration rate on such a machine is the load generator's as much as the hub's.
 *   - BENCH_CPU_PROFILE now profiles the generators too: grpc-js made a c-ares resolver per
 *     channel (5.7 s of theirs in a cold start) though the address is an IP; they dial it as one.
 *   - pg_stat_statements (shared_preload_libraries, for one run): the read of each cluster's last
 *     presence event was 3.5–5.6 s of PostgreSQL's cold start. Without statistics (autovacuum is
 *     off on this machine) it intersected the type index, every presence event of the fleet per
 *     cluster. A partial index makes it one probe: PostgreSQL in the storm 12.5/15.4 → 3.9/7.2 s.
 *     auto_explain (3,000 agents) of the status statement at small batches: about 1 ms in its
 *     plan's nodes; the slow ones (5–6 ms) spent the rest inside one insert of a few rows, which
 *     points at the machine (a core, the disk), not the plan.
 *   - the whole list: an id read then a load by id per page, now one statement: 1.52/1.58 →
 *     1.39/1.22 s (BENCH_PHASES=read, alternated runs); dashboard 0.16/0.27 → 0.10/0.09 s.
 *   - a sampling heap profile over three commits (heap-sampling.ts): 1,337 MB allocated, no hub
 *     site above 4 % (receiving a report, status transitions, the status batch, pg's parameters).
 * AFTER (dad6886, same command, one run, load 3.8–4.8): cold start 53.9 s (191/s; 32.8–45.9 s in
 * other runs that day), commit → TargetSets 2.92/3.28/3.45 s, → reports 4.81/5.53/5.64 s, list
 * 1.32 s, restart 18.7 s (PostgreSQL 4.5 s of it), steady RSS 560 MB.
 *
 * THIRTEENTH ROUND, the same kind of machine (`BENCH_SIZES=10000 BENCH_COMMITS=3 BENCH_PHASES=`).
 * With the statement log (log_min_duration_statement) on for one run: the 10 chunk writes of
 * a commit's TargetSets took 86–320 ms each in PostgreSQL, about 1 s of the commit before any
 * TargetSet was sent. Each chunk sent its 1,000 clusters' whole targets, 1 MB of JSON, which
 * PostgreSQL parsed into jsonb; apart from its values each cluster's target is its bundle
 * target's, the same for all. A chunk now names each bundle target once and gives each
 * cluster's values, and PostgreSQL puts them together (the stored rows are as before). 10,000
 * TargetSets alone, idle machine: 509–611 → 193–294 ms. Three alternated pairs at 10,000
 * (medians of 3 commits; before = 94eb0a6): commit → TargetSets 3.08/2.60/2.68 → 2.67/2.17/2.21
 * s, → reports 5.62/4.70/4.73 → 4.71/4.15/4.56 s, → events 6.05/5.03/5.26 → 5.09/4.50/5.04 s,
 * PostgreSQL's CPU per commit 2.9/2.4/2.4 → 2.2/1.9/2.2 s. The placement's log line now says
 * how long it read (118–247 ms) and computed and wrote (551–741 ms); computing alone is 190–270
 * ms of that (10,000 one-bundle clusters in one process, idle), 124–228 ms once each cluster's
 * values text was kept from the build instead of made again for the statement.
 * BENCH_PHASES=read with BENCH_PROFILE=1: the list's top entries were pg's parseRow and
 * parseDate, the pages loading every target whole for a view that shows each target's bundle
 * and commit. Read narrowed, two alternated pairs (first list / twice more): 1.12/0.83/0.94 and 1.13/0.84/0.94 s →
 * 1.00/0.74/0.68 and 1.10/0.82/0.83 s.
 *
 * FOURTEENTH ROUND, the same kind of machine. Reproduced at cfda5f7 (`BENCH_COMMITS=5`, hub at
 * info with --trace-gc): commit → TargetSets 2.17/2.73/4.18 s, → reports 4.26/5.05/7.00 s. The
 * first commit after the cold start was the slow one, in fetch (430 ms against 220–270) and in
 * placement (973 ms against 640–810). The profiles (BENCH_PROFILE=1) put the garbage collector
 * at 1.1 s of a commit's 4.1 s busy, the largest entry; --trace-gc-nvp: 33–35 scavenges of 16 MB
 * in a commit's busiest 6 s, 128–133 MB promoted. A sampling heap profile of what outlived a
 * scavenge (docs/scaling.md "Garbage collection") put the status path first: each report's
 * promise chain in its session until the ack, the status batch, the fleet events' transitions,
 * pg's result rows. With --max-semi-space-size=64 (the hub chart's runtime.nodeFlags now, and
 * so the hub here: hub-process.ts shippedNodeArgs), five alternated pairs, medians of 3
 * commits: → TargetSets 3.41/2.25/2.83/3.06/2.65 → 2.99/2.13/2.49/2.37/2.67 s, → reports
 * 5.79/4.21/5.30/5.18/5.22 → 4.92/3.87/4.49/4.89/4.55 s, → events 6.35/4.72/5.69/5.61/5.64 →
 * 5.30/4.17/4.77/5.23/4.89 s, hub CPU per commit 3.1–3.9 → 2.5–3.4 s, steady RSS +31–55 MB.
 * In the cold start the generators took 39.6–47.7 s of CPU, the hub 24.9–28.9 s and PostgreSQL
 * 17.5–21.6 s (190–239 registrations/s); 0.5–0.6 s of each generator's was Node 20's http2 client
 * making a deprecation wrapper for every request (AsyncResource.bind), nothing of the hub's.
 * Tried and dropped: a session that goes on to the agent's report while its TargetSetAck is
 * written (the report waits for the ack's batch, as the fake agents send both at once; the
 * report's ack still after both). Three alternated pairs, medians: → reports 4.54/4.25/3.99 →
 * 4.63/4.13/4.90 s, → TargetSets 2.38/2.24/2.16 → 2.71/2.09/2.40 s; no gain, so not kept.
 * In 10 of 12 runs with 64 MB semi-spaces the first commit after the cold start was the slowest
 * to reach every agent (one a tie), 0.2–1.0 s slower than the fastest commit of its run.
 *
 * FIFTEENTH ROUND, a faster 2-core machine. Reproduced at de99f41 (`BENCH_COMMITS=3 BENCH_PHASES=`,
 * three runs): cold start 19.7–26.0 s (402–530/s), commit → TargetSets 1.05–1.74 s, → reports
 * 2.19–3.46 s. The load generator was the machine's largest user of CPU: 18.8–28.7 s in a cold
 * start against the hub's 10.6–13.1 s, 1.4–2.4 s per commit against 1.7–2.3 s. Its profile
 * (BENCH_CPU_PROFILE) put grpc-js first (31 % at cold start: channel, resolver, subchannel and
 * call objects per agent and message), and the per-commit wait, which went over every agent of a
 * process every 20 ms, at 4–8 % of a commit. The fake agents now speak gRPC over node:http2
 * themselves (fake-agents/h2-grpc.ts: the 5-byte framing, statuses in trailers or a trailers-only
 * refusal with its retry hint, a connection of its own per agent), tested against a grpc-js
 * server beside the grpc-js client (agent-clients.spec.ts); BENCH_AGENT_CLIENT=grpc-js keeps
 * the old client. The wait goes on from where its last pass stopped. The same hub, three
 * alternated pairs (`BENCH_COMMITS=3 BENCH_PHASES=read,storm`), grpc-js → h2: generators' CPU at
 * cold start 21.6/19.7/21.2 → 10.1/10.8/10.9 s, per commit (medians) 1.7/1.6/1.7 → 1.3/1.2/1.3 s,
 * in the storm 13.9/12.7/12.3 → 7.1/5.8/5.6 s; hub CPU per commit 1.8/2.0/1.8 → 1.7/1.6/1.8 s.
 * So the hub got more of the machine: cold start 21.4/19.2/20.9 → 14.3/15.3/15.7 s
 * (490/545/503 → 738/692/671 registrations/s), commit → TargetSets (medians) 1.29/1.42/1.32 →
 * 1.12/1.16/1.08 s, → reports 2.64/2.66/2.65 → 2.28/2.16/2.29 s, → events 2.94/2.92/2.88 →
 * 2.53/2.42/2.55 s, restart storm 11.5/11.0/10.7 → 8.9/10.5/8.1 s, whole list 0.68/0.79/0.64 →
 * 0.60/0.67/0.63 s. The commit now also prints when half, 90 % and 99 % of the agents had their
 * TargetSet and their reports acked: the reports gather at the end (half acked 2.0–2.4 s, 99 %
 * 2.2–2.7 s, with half the TargetSets in by 0.8–1.1 s), the hub busy throughout.
 * Why they gather: even the first report is acked 1.4–1.9 s after the commit, though the first
 * TargetSet is in at 0.5–0.6 s (percentiles 0/1/5/10 … 99, one run). Nothing an agent sends is
 * read until the push is over: the loop over 10,000 sessions (about 0.2 s of JS), then about
 * 0.45 s of native HTTP/2 writes, hold the event loop. The profile of a commit (BENCH_PROFILE=1,
 * bucketed per 100 ms) then has the hub 24–42 % idle for 0.7 s while acks and reports are
 * written, and busy again sending acks and fleet events. Tried, none kept (alternated runs,
 * medians of 3 commits):
 *   - the session going on to the report while its TargetSetAck is written (the fourteenth
 *     round's idea again, without tying the report's ack to the TargetSetAck's): → reports
 *     2.14/2.15/2.18 → 2.15/2.11/2.29 s, three pairs;
 *   - four status lanes instead of two: 2.30/2.26 → 2.30/2.10 s, two pairs;
 *   - the push in slices of 500 sessions with a turn of the event loop between them, so that the
 *     first agents' acks and reports are written while the rest are pushed: the first report
 *     acked at 0.74–0.87 s where it was 1.53–1.56, half of them at 1.62–1.83 s where it was
 *     1.94–2.01, but the last at 2.25–2.50 s (2.14–2.26) and every TargetSet in only at 2.03–2.29
 *     s (1.06–1.14): the same work in another order, on a hub that is the bottleneck;
 *   - the hub with --single-threaded-gc (no GC helper threads on two cores shared with the
 *     load): → reports 2.64/2.69/2.84 → 2.81/2.96/3.26 s and hub CPU per commit 1.9/2.0/2.2 →
 *     2.1/2.3/2.5 s, three pairs on a slower day of the machine: the main thread does the
 *     helpers' work.
 * The status statement for 2,000 reports (EXPLAIN ANALYZE on the database of a 10,000 run, idle
 * machine): 94–112 ms, of which json_to_recordset 21–38 ms. Parsing the batch's 1.2 MB with
 * resources and summary as jsonb takes 28–34 ms a statement, 15–17 ms with them as json: half
 * the input is making those two columns jsonb, which the tables store. Not changed.
 *
 * SIXTEENTH ROUND, a slower 2-core machine (grpc-floor: 10,000 streams in 12.1 s, push + acks
 * 0.85–1.09 s). Reproduced at de487d6 (`BENCH_COMMITS=3 BENCH_PHASES=`, two plain runs and one
 * of a single commit): cold start 28.6 / 30.9 / 35.3 s (368 / 342 / 297 registrations/s), commit →
 * TargetSets 1.93–2.55 s, → reports 3.79–4.61 s; per commit, CPU s hub 2.8–3.5, generators
 * 2.2–2.9, PostgreSQL 1.9–2.8, bench 0.3–0.5. Where it goes:
 *   - The commit waits on the whole machine. Hub, generators, PostgreSQL and bench use 7.5–8.5 s
 *     of CPU per commit, the two cores give 2 s per second: about 4 s. On the last round's
 *     machine the same sum was about 4.3 s (1.7 + 1.25 + 1.05 + 0.3), and the reports took 2.2 s.
 *   - PostgreSQL (pg_stat_statements, snapshots a second apart around three commits): per commit
 *     1.9 s in the status statements (8 of about 1,250 reports, ~250 ms each under this load),
 *     0.77 s in TargetSet writes (10), 0.43 s in fleet event INSERTs (29), 0.25 s in ack UPDATEs
 *     (5), 0.13 s in last-seen UPDATEs. The status statement for 1,430 reports on the idle
 *     machine: 110–170 ms, its parts (EXPLAIN ANALYZE) json_to_recordset 34, history INSERT 32,
 *     current status upsert 28, deployment INSERT 34 ms; without the deployment INSERT 80–105 ms.
 *     Dropping any one index of deployment or status_report (in a rolled-back transaction, 9
 *     repetitions, 3 rounds) moved it less than the machine's own spread (104–165 ms for the same
 *     statement).
 *   - The hub (BENCH_PROFILE=1, one commit in 200 ms buckets): 0.3 s placing, 0.1 s of the push
 *     loop, then 0.7 s of native writes of the 10,000 TargetSets holding the event loop, then the
 *     acks and reports read with the hub idle a quarter of the time (the generators, on the same
 *     cores, still answering), then status writes, acks and events. By package, grpc-js's own
 *     code is 0.14 s of a commit by self time (node's streams and HTTP/2 beneath it, which a
 *     server of our own would still use, apart): a gRPC server of the hub's own over node:http2
 *     (as the fake agents have) would save little of the hub's CPU, where it halved the
 *     generators' (their grpc-js client made channels, resolvers and subchannels). perf over
 *     three commits (`perf record -g -p <hub>`): kernel 20 % (on loopback the sender's write
 *     carries the receiver's TCP work), builtins and inline caches 17 %, JIT code 16 %, the V8
 *     runtime 15 %, GC 9 %, node's C++ 7 %, compiling 5.5 %, libc 5 %, nghttp2 3 %; no symbol
 *     above 4 %.
 * Changed: the session's two promise chains (per message then / catch / finally and an async
 * handler; per report Promise.all / then / catch / finally, each living as long as its database
 * write) are arrays, and the status store calls back (Batcher.submitWith). session-path.ts, which
 * drives 10,000 sessions without sockets or SQL: 163–170 → 86–112 ms of CPU per commit. Here that
 * is within the spread: three alternated pairs, commit → reports 4.32/3.18/3.63 s before,
 * 3.42/3.61/4.03 s after; hub CPU per commit 3.3/2.3/2.6 → 2.4/2.5/3.0 s.
 * Tried, not kept: fleet events of a status batch recorded with a callback each (no promise per
 * event) and 2,000 per INSERT (their ids in NOTIFYs of 400), status-writer.ts, four alternated
 * pairs: fleet events/s 11,783–12,584 → 12,773–14,741 and hub CPU per report 83–93 → 72–85 µs,
 * but reports acked 13,808–16,655 → 12,630–14,933 rows/s (the larger INSERTs take PostgreSQL
 * from the status lanes); with 400 per INSERT two pairs were within the spread.
 * Measured, not changed: PostgreSQL planning every statement again (pg_stat_statements with
 * track_planning, a cold start and one commit): 2.2 s of planning against 9.2 s of execution, the
 * status statement 0.83 ms a plan over 766 calls. Named prepared statements would spare most of
 * it, about a sixth of PostgreSQL's CPU in a cold start (and break behind a PgBouncer in
 * transaction mode older than 1.21, so they would need a switch).
 * After (f7ca444, `BENCH_PHASES=read,storm`, three runs, medians of 3 commits): cold start 31.0 /
 * 30.7 / 33.4 s (342 / 341 / 313/s), commit → TargetSets 2.54 / 1.90 / 2.25 s, → reports 4.80 /
 * 3.66 / 4.30 s, → events 5.07 / 4.09 / 4.62 s; whole list 2.57 / 0.95 / 1.31 s (0.73–1.37 s
 * repeated); restart storm 21.7 / 15.7 / 16.7 s (27,257–45,561 listen queue overflows, no failed
 * stream); steady RSS 606–610 MB, 803–984 MB at the peak of the read phase.
 *
 * SEVENTEENTH ROUND, a faster 2-core machine (grpc-floor: 10,000 streams connected in 5.3 s, 2 KB
 * pushed to all and acked in 0.58–1.07 s). Reproduced at 131ac18 (`BENCH_PHASES=read,storm`, one
 * run, then three of `BENCH_PHASES=`): cold start 13.3 s (792 registrations/s), commit →
 * TargetSets 1.01–1.14 s, → reports 2.09–2.45 s (1.87–2.51 s over the other runs), → events
 * 2.29–2.64 s, whole list 0.45 s (0.41 / 0.36 again), restart storm 9.0 s (31,522 listen queue
 * overflows, no failed stream); CPU per commit: hub 1.4–1.8 s, generators 1.1–1.3, PostgreSQL
 * 1.2–1.4, bench 0.2. status-writer.ts: 28,470 / 28,589 rows/s, ack p50/p99 413–446/1,051–1,091
 * ms (two runs at d56919d).
 * Where a commit's time goes, from a build that logged each batched write's start and length
 * (the webhook at 0) and pg_stat_statements snapshots half a second apart:
 *   - fetched and accepted by 0.04–0.07 s; placement done at 0.32–0.44 s (reading what the
 *     clusters hold 59–76 ms, computing and writing 10,000 TargetSets 217–293 ms); the first
 *     agent has its TargetSet at 0.45–0.6 s, the last at about 1.0 s (one push-and-ack round of
 *     grpc-floor is 0.58 s here);
 *   - the placement's ten chunks of 1,000 took 40–60 ms each, three in flight (timed in a patched
 *     build); one alone on the idle machine (EXPLAIN ANALYZE, rolled back) 18 ms: 4 parsing the
 *     document, 7 building each cluster's whole targets from its bundle target and values, the
 *     rest the upsert. The announcement then held the hub's one thread 0.5–0.6 s (the loop over
 *     the sessions, the native HTTP/2 writes, the NOTIFY to other replicas), about 55 µs a
 *     session, where grpc-floor's bare server spends 36–50 µs a stream;
 *   - TargetSetAcks written 0.94–1.34 s (five UPDATEs of 2,000), the status statements from 1.2
 *     to 1.9 s (six of about 1,667 reports, 98–485 ms each under this load, 73 ms on the idle
 *     machine), the last report acked at 1.9–2.1 s;
 *   - inside PostgreSQL per commit: status statements 810 ms, TargetSet writes 289 ms (10), fleet
 *     event INSERTs 144 ms (27), ack UPDATEs 121 ms (5). The machine's CPU per commit (hub +
 *     generators + PostgreSQL + bench ≈ 4 s on two cores) is about what the reports take.
 * Found and changed:
 *   - In one commit of three a sweep (every heartbeat interval, 10 s) read target_set between the
 *     placement's chunk writes and its announcement, found 7,000 sessions behind and read their
 *     TargetSets again (14 reads of 500 during the commit). Sessions a sweep finds behind now
 *     wait for this replica's passes in flight and a second more for other replicas' signals;
 *     only those still behind are refreshed (gateway.spec.ts).
 *   - Two replicas (`BENCH_HUB_REPLICAS=2 BENCH_PHASES=`): the replica that did not place read its
 *     5,000 sessions' TargetSets after the signal in ten statements of 500 one after the other,
 *     30–314 ms each (7 ms on the idle machine: each waited behind the pushes and reports of the
 *     one before), so half the fleet had its TargetSet at about 1 s and the other half at 2.2 s:
 *     commit → all TargetSets 2.37/2.40/2.49 and 2.20/2.28/2.28 s (two runs, with the ack change
 *     below). Up to 2,000 a statement: 1.43/1.90/1.91 and 1.43/1.51/1.56 s. Up to 1,000
 *     (TARGET_SET_CHUNK, as many as placement reads whole at once, which bounds a read of large
 *     TargetSets), kept: 1.21/1.33/1.69 and 1.30/1.43/1.64 s, and 1.52/1.62/1.63 s in the run
 *     below.
 * Tried, not kept:
 *   - the session going on to the report while its TargetSetAck is written, a third time: the
 *     status statements began about 0.2 s sooner, the last ack no sooner (2.09/1.85/2.14 s, one
 *     run); the CPU of the whole machine is what the last ack waits for;
 *   - fleet events recorded only once both status lanes are idle (at most a second later), so
 *     that their INSERTs leave PostgreSQL and the hub to the statuses: 2.04 / 2.03 s, two runs;
 *   - not built: TargetSets read back shared per checksum (one parse and one encoding for all
 *     the clusters with the same targets). Every cluster's targets carry values of its own
 *     (`cluster.name`), so no two checksums of a fleet are the same;
 *   - the status statement checking that the bundle is the cluster's by `target_digests ? bundle`
 *     rather than `targets @> …` (nine rounds, 1,667 reports, idle): 66 against 73 ms median,
 *     a few ms of a commit's PostgreSQL, and rows stored before the digests would still need
 *     the old check; without the deployment INSERT 51 ms (not a change: the history is the
 *     product's).
 * After (d56919d, `BENCH_PHASES=read,storm`, two runs, medians of 3 commits): cold start 12.8 /
 * 13.7 s (824 / 772 registrations/s), commit → TargetSets 0.88 / 1.08 s, → reports 1.94 / 2.15 s
 * (1.89–2.32 s over the six commits), → events 2.14 / 2.36 s; whole list 0.41 / 0.46 s (0.34–0.60 s
 * again); dashboard 0.06 / 0.05 s; restart storm 8.7 / 8.9 s (6,977 handshakes refused busy and
 * retried in one, none in the other); steady RSS 608 / 614 MB, 906 / 951 MB at the read phase's
 * peak. Two replicas (74cc4d1, one run): cold start 19.7 s (530/s), → TargetSets 1.52/1.62/1.63
 * s, → reports 2.12/2.31/2.37 s, whole list 0.59 s, storm 8.1 s, steady RSS 891 MB for both.
 *
 * EIGHTEENTH ROUND, a slow 2-core machine again (grpc-floor: 10,000 streams connected in 11.7 s,
 * 2 KB pushed to all and acked in 0.78–1.20 s). Reproduced at d80e245 (`BENCH_PHASES=read,storm`,
 * then `BENCH_PHASES=`): cold start 32.0 / 34.7 s (328 / 300 registrations/s), commit →
 * TargetSets 2.77–4.74 and 2.17–2.56 s, → reports 4.39–7.30 and 4.30–4.59 s; whole list 0.74 s;
 * restart storm 15.3 s (43,753 listen queue overflows, no failed stream); CPU per commit: hub
 * 2.6–3.0 s, generators 2.3–2.5, PostgreSQL 2.6–2.8, bench 0.3–0.5. The machine got faster as the
 * session went on; what follows compares alternated runs only.
 * Found: every batched write read its batch with json_to_recordset, which builds a lookup of each
 * object's fields and converts each nested value on its own. The status statement for 1,667
 * reports of one resource each (EXPLAIN ANALYZE on a kept status-writer database, rolled back,
 * idle): 135–197 ms, of which json_to_recordset 55–70. Reading that input alone: 57–61 ms
 * (270–276 ms with ten resources per report); as an array literal per column and resources and
 * summary as JSON arrays (unnest): 17–20 ms (69–75 ms). The batched writes now pass their columns
 * so (hub/src/database/pg-arrays.ts: every element quoted, text never syntax): the status
 * statement, the fleet-event INSERT and the TargetSet chunk write.
 *   - The whole status statement, four rounds each: 105–120 → 92–106 ms with one resource per
 *     report, 419–430 → 235–250 ms with ten, 66–69 → 64–69 ms with none (status-writer's reports,
 *     whose rows/s and PostgreSQL CPU per report, 87/78/83 → 66/80/79 µs in three pairs, stay
 *     within the spread). A chunk of 1,000 TargetSets: 81–110 → 35–48 ms. Building the
 *     parameters: 3.4–4.0 → 3.3 ms of the hub's CPU per 1,667 reports.
 *   - `BENCH_PHASES=`, three alternated pairs, medians of 3 commits: the status and event writes →
 *     reports 3.62/3.67/4.09 → 3.17/3.33/3.69 s, PostgreSQL's CPU per commit 2.2/2.2/2.5 →
 *     1.8/2.0/2.2 s; then the TargetSet write → TargetSets 2.21/1.98/1.95 → 2.13/1.82/1.60 s,
 *     reports 4.11/3.75/3.45 → 3.80/3.50/3.25 s, PostgreSQL 2.1/2.0/1.8 → 1.8/1.7/1.6 s.
 * Tried, not kept:
 *   - the status statement answering one row of three JSON values instead of three rows per
 *     report (30,000 rows a commit that pg builds into objects): hub CPU per report in
 *     status-writer 79/84/94 → 83/80/83 µs, three pairs, and pg's row parsing in a CPU profile of
 *     the run the same (305 → 328 ms, most of it other statements'): no gain;
 *   - not made: the ownership check on a cluster's whole targets, with 30 bundles a cluster
 *     (status-writer BENCH_BUNDLES=30: 3,124 bytes of targets stored, compressed): 17,471 rows/s
 *     against 17,641 with one bundle.
 * Where the rest goes: the fake agents took 2.4 s of CPU per commit (BENCH_CPU_PROFILE; protobuf
 * encoding of the reports, HTTP/2, GC 0.26 s), the hub's profile is flat (GC 0.54–0.58 s, the
 * largest entry; 445 MB allocated in one commit by the sampling heap profiler, no site above 5 %).
 * After (51e4c0c, `BENCH_PHASES=read,storm`, two runs, medians of 3 commits): cold start 24.8 /
 * 34.4 s (426 / 303 registrations/s), commit → TargetSets 1.56 / 2.03 s (1.43–2.15), → reports
 * 3.30 / 4.03 s (2.90–4.29), → events 3.47 / 4.41 s; whole list 0.78 / 0.80 s (0.51–0.61 again);
 * dashboard 0.10 / 0.19 s; restart storm 14.4 / 14.4 s (45,241 / 46,431 listen queue overflows,
 * no failed stream); steady RSS 610 / 622 MB, 898 / 973 MB at the read phase's peak; CPU per
 * commit: hub 2.0–2.9 s, generators 1.5–2.3, PostgreSQL 1.3–2.1, bench 0.3–0.6. Two replicas
 * (one run): cold start 36.2 s (288/s), → TargetSets 1.98/2.26/3.08 s, → reports 3.03/3.30/3.89 s,
 * whole list 0.91 s, storm 12.8 s, steady RSS 909 MB for both.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { bundleFor } from '../support/bundles';
import { BareRepo } from '../support/git';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres';
import { FakeFleet, type AgentCondition, type AgentTimes, type FakeAgentSpec } from './fake-agents/fake-fleet';
import { printRun, printTable, type Figure } from './figures';
import { commitGate, dashboardFleetData, listAll, pushWebhook, rolloutOf } from './hub-http';
import { replicasTogether, startHubProcess, type HubProcess } from './hub-process';
import { Phases, printProfile, profilingOptions } from './phase-profile';
import { cpuSplit, listenOverflows, machineCpu, type CpuSnapshot, type Syscalls } from './proc-stats';

const SIZES = (process.env.BENCH_SIZES ?? process.env.BENCH_AGENTS ?? '1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** More Node options for the hub processes (BENCH_HUB_NODE_ARGS, space-separated), after the chart's (shippedNodeArgs). */
const HUB_NODE_ARGS = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
/** Registrations in flight per generator process: a fleet coming up together registers at once. */
const REGISTER_CONCURRENCY = Number(process.env.BENCH_REGISTER_CONCURRENCY ?? 250);
/** Hub replicas on the one database, the agents spread across them (RSS and CPU are their sums). */
const REPLICAS = Number(process.env.BENCH_HUB_REPLICAS ?? 1);
const LIMIT = 20 * 60_000;
/** Fleet commits measured per run, a few seconds apart. */
const COMMITS = Number(process.env.BENCH_COMMITS ?? 1);
/**
 * How the hub learns of a commit: `poll` (the fleet repository polled every 0.2 s, as the issue
 * measured) or `webhook` (a signed GitHub push notification sent right after the commit, polling
 * every 60 s behind it — how a hub meant to react in seconds is set up).
 */
const TRIGGER = process.env.BENCH_TRIGGER ?? 'webhook';
if (TRIGGER !== 'poll' && TRIGGER !== 'webhook') throw new Error(`BENCH_TRIGGER must be poll or webhook, not ${TRIGGER}`);
/** Phases after the cold start and the commits: `read` (list and dashboard), `resync` (unchanged reports again), `storm` (all agents restart). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'read,storm').split(',').filter((p) => p !== ''));

/** The resync phase's reports spread over this many seconds. */
const RESYNC_SECONDS = Number(process.env.BENCH_RESYNC_SECONDS ?? 0);

/** `<autoPartitionSize>/<maxUnavailable>`: the bundle rolls out progressively (see the header). */
const ROLLOUT = process.env.BENCH_ROLLOUT?.split('/');
if (ROLLOUT !== undefined && ROLLOUT.length !== 2)
  throw new Error('BENCH_ROLLOUT must be <autoPartitionSize>/<maxUnavailable>, e.g. 25%/25%');

const BUNDLE =
  bundleFor('app', 'app') +
  (ROLLOUT === undefined
    ? ''
    : `  rollout:\n    autoPartitionSize: "${ROLLOUT[0]}"\n    maxUnavailable: "${ROLLOUT[1]}"\n    pauseOnFailure: false\n`);
const manifests = (round: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: app\ndata:\n  round: "${round}"\n`;

/**
 * What the phases of one run share: the processes and the database measured, the fleet
 * repository, the figures noted so far and the profile's phase marks.
 */
interface Run {
  size: number;
  /** Every hub's bootstrap, admin and webhook token. */
  token: string;
  repo: BareRepo;
  /** The commit every agent is to be synced to: the fleet repository's last. */
  head: string;
  db: ThrowawayDatabase;
  /** Where the hubs keep their data. */
  work: string;
  /** Every hub (BENCH_HUB_REPLICAS), the agents spread across them. */
  hubs: HubProcess[];
  /** The first hub: it follows the fleet repository, takes the webhooks, serves the reads and is the one profiled. */
  hub: HubProcess;
  /** The hubs' CPU time, RSS and system calls, summed. */
  hubsTogether: Pick<HubProcess, 'cpuMs' | 'rss' | 'syscalls'>;
  pg: Client;
  /** The agents, once the cold start has started them. */
  fleet: FakeFleet | undefined;
  phases: Phases;
  profileDir: string;
  /** When the hubs were spawned, which is where the first one's CPU profile starts. */
  spawnedAt: number;
  figures: Figure[];
}

/** One run at one fleet size: its phases in order, and whatever it started stopped however they end. */
async function measure(size: number, runNumber: number): Promise<Figure[]> {
  const run = await startRun(size, runNumber);
  try {
    const overflowsBefore = await listenOverflows();
    const fleet = await coldStart(run);
    await steadyRss(run);
    await commits(run, fleet);
    if (PHASES.has('read')) await readSide(run);
    if (PHASES.has('resync')) await resync(run, fleet);
    if (PHASES.has('storm')) await storm(run, fleet);
    noteValue(run, '  listen queue overflows (whole run, machine-wide)', String((await listenOverflows()) - overflowsBefore));
  } finally {
    await stopRun(run);
  }
  if (PROFILE) await printProfile(run.profileDir, run.spawnedAt, run.phases.list, size);
  return run.figures;
}

/** The fleet repository with its first commit, the hubs on a database of their own, and start-up's phase mark. */
async function startRun(size: number, runNumber: number): Promise<Run> {
  const db = await createThrowawayDatabase('gitfleet_bench_scale');
  const repo = await BareRepo.create();
  const work = await mkdtemp(join(tmpdir(), 'gitfleet-bench-scale-'));
  const profileDir = resolve('test-output', `scale-profile-${size}-${runNumber}`);
  if (PROFILE) {
    await rm(profileDir, { recursive: true, force: true });
    await mkdir(profileDir, { recursive: true });
  }
  const head = await repo.commit({ 'fleet/app.yaml': BUNDLE, 'apps/app/app.yaml': manifests(0) });
  const token = randomBytes(16).toString('hex');
  const profiling = profilingOptions(profileDir);
  const spawnedAt = Date.now();
  const startReplica = (index: number) =>
    startHubProcess(
      {
        DATABASE_URL: db.url,
        HUB_DATA_DIR: join(work, `hub-${index}`),
        FLEET_REPO_URL: repo.url,
        // The first replica follows the fleet repository; the others hear of its TargetSets by signal.
        FLEET_POLL_INTERVAL: index === 0 && TRIGGER === 'poll' ? '0.2' : index === 0 ? '60' : '600',
        WEBHOOK_SECRET: token,
        BOOTSTRAP_TOKEN: token,
        ADMIN_TOKEN: token,
        HEARTBEAT_INTERVAL: '10',
        LOG_LEVEL: process.env.BENCH_HUB_LOG_LEVEL ?? 'warn',
        ...(process.env.GRPC_MAX_HANDSHAKES ? { GRPC_MAX_HANDSHAKES: process.env.GRPC_MAX_HANDSHAKES } : {}),
        ...(PROFILE && index === 0 ? profiling.env : {}),
      },
      [...HUB_NODE_ARGS, ...(PROFILE && index === 0 ? profiling.execArgv : [])],
    );
  const hubs = [await startReplica(0)];
  for (let i = 1; i < REPLICAS; i++) hubs.push(await startReplica(i));
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const phases = new Phases(PROFILE ? hubs[0].child : undefined);
  await phases.begin();
  return {
    size,
    token,
    repo,
    head,
    db,
    work,
    hubs,
    hub: hubs[0],
    hubsTogether: replicasTogether(hubs),
    pg,
    fleet: undefined,
    phases,
    profileDir,
    spawnedAt,
    figures: [],
  };
}

/** Everything a run started, stopped and removed, whether or not its phases got through. */
async function stopRun(run: Run): Promise<void> {
  await run.fleet?.stop();
  await run.pg.end();
  for (const h of run.hubs) await h.stop();
  await run.db.drop().catch(() => undefined);
  await run.repo.remove();
  await rm(run.work, { recursive: true, force: true });
}

/** Cold start: every agent registers, connects, gets its TargetSet and has its report acked. */
async function coldStart(run: Run): Promise<FakeFleet> {
  const { size, hubs } = run;
  const specs: FakeAgentSpec[] = Array.from({ length: size }, (_, i) => ({
    name: `fake-${String(i).padStart(5, '0')}`,
    hubAddress: hubs[i % hubs.length].grpcAddress,
    bootstrapToken: run.token,
    labels: { group: `g${i % 10}`, index: String(i) },
  }));
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtColdStart = await cpuNow(run);
  const from = Date.now();
  const fleet = await FakeFleet.start(specs, {
    hubAddress: run.hub.grpcAddress,
    heartbeatMs: 10_000,
    fetchArtifacts: false,
    registerConcurrency: REGISTER_CONCURRENCY,
    processes: PROCESSES,
  });
  run.fleet = fleet;
  const agents = await fleet.until(synced(run.head), LIMIT, `${size} agents to register and have their first report acked`, 500);
  const registered = agents.map((a) => a.registeredAt!);
  note(run, 'register + connect + first report acked, all (s)', (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000);
  noteValue(run, '  registrations/s', ((size * 1000) / (max(registered) - Math.min(...registered) || 1)).toFixed(0));
  noteAckSpread(run, agents, from);
  noteValue(run, '  failed stream attempts at cold start', String(sum(agents.map((a) => a.streamFailures))));
  noteValue(run, '  failed registration attempts (retried)', String(sum(agents.map((a) => a.registerFailures))));
  await noteHubCpuPerAgent(run, '  hub CPU per agent, cold start (ms)', cpuAtColdStart);
  noteSyscalls(run, '  hub reads / writes per agent, cold start', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s at cold start: hub / generators / postgres / bench / rest', cpuAtColdStart);
  printErrors(agents);
  await run.phases.end('cold start', from);
  return fleet;
}

/** Whether the cold start is slow throughout or waits on a tail (agents backing off). */
function noteAckSpread(run: Run, agents: AgentTimes[], from: number): void {
  noteValue(
    run,
    '  half / 90 % / 99 % of the agents acked by (s)',
    spread(
      agents.map((a) => a.reportsAckedAt! - from),
      1,
    ),
  );
}

/** `half / 90 % / 99 %` of durations in ms, in seconds. */
function spread(ms: number[], digits = 2): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000).toFixed(digits);
  return `${at(0.5)} / ${at(0.9)} / ${at(0.99)}`;
}

/** The hubs' RSS with the whole fleet connected and quiet, a few seconds after the cold start. */
async function steadyRss(run: Run): Promise<void> {
  await sleep(5_000);
  noteValue(run, 'steady RSS (MB)', ((await run.hubsTogether.rss()) / 1024 / 1024).toFixed(0));
}

/**
 * Fleet commits: TargetSets, acks, reports, events. Several (BENCH_COMMITS) a few seconds apart,
 * so that they land at different points of the hub's heartbeat rounds.
 */
async function commits(run: Run, fleet: FakeFleet): Promise<void> {
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
  run.head = head;
  if (TRIGGER === 'webhook') await pushWebhook(run.hub.httpUrl, run.token, run.repo.url, run.repo.branch);
  // The times cross over once, after the acks: an agent's targetSetAt stays that of this
  // commit's TargetSet until the next.
  await fleet.reach({ commit: head, acked: false }, LIMIT, 'every TargetSet at the new commit', 20);
  const agents = await fleet.until(synced(head), LIMIT, 'every report at the new commit acked', 20);
  note(run, 'commit → all TargetSets received (s)', (max(agents.map((a) => a.targetSetAt!)) - from) / 1000);
  const firstTargetSet = Math.min(...agents.map((a) => a.targetSetAt!));
  // What comes before any TargetSet: the webhook, the fetch, the checks, the packing and the placement.
  noteValue(run, '  commit → first TargetSet received (s)', ((firstTargetSet - from) / 1000).toFixed(2));
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
  const counted = await pollCount(pg, `SELECT count(*)::int AS n FROM bundle_status WHERE commit = $1`, [head], size);
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
    size,
  );
  note(run, 'fleet events finished (s)', (eventsAt - from) / 1000);
  noteValue(run, 'status rows/s while writing', ((size * 1000) / Math.max(1, persistedAt - firstTargetSet)).toFixed(0));
  await noteHubCpuPerAgent(run, '  hub CPU per agent, commit → events (ms)', cpuAtCommit);
  noteSyscalls(run, '  hub reads / writes per agent, commit → events', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s: hub / generators / postgres / bench / rest', cpuAtCommit);
  await run.phases.end(COMMITS === 1 ? 'commit' : `commit ${round}`, from);
}

/**
 * The read side: the whole cluster list, the dashboard's fleet data, the commit gate (and the
 * rollout, with BENCH_ROLLOUT), each a profile phase of its own, and the hubs' peak RSS meanwhile.
 */
async function readSide(run: Run): Promise<void> {
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

/**
 * Every agent says its unchanged status again, as on a periodic resync: what a status that
 * changes nothing costs the hub (with BENCH_ROLLOUT, whether it calls for rollout steps).
 */
async function resync(run: Run, fleet: FakeFleet): Promise<void> {
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

/** The restart storm: every agent restarts at once, reconnects with the TargetSet it holds and reports again. */
async function storm(run: Run, fleet: FakeFleet): Promise<void> {
  const before = (await fleet.times()).agents;
  const failuresBefore = sum(before.map((a) => a.streamFailures));
  const busyBefore = sum(before.map((a) => a.busyRefusals));
  const syscallsBefore = await run.hubsTogether.syscalls();
  const cpuAtStorm = await cpuNow(run);
  const from = Date.now();
  await fleet.restart();
  const agents = await fleet.until(synced(run.head), LIMIT, 'every restarted agent to have its report acked', 200);
  note(run, 'all agents restarted → all in sync again (s)', (max(agents.map((a) => a.reportsAckedAt!)) - from) / 1000);
  printErrors(agents);
  noteValue(run, '  failed stream attempts in the storm', String(sum(agents.map((a) => a.streamFailures)) - failuresBefore));
  noteValue(run, '  of which refused busy (retry hint)', String(sum(agents.map((a) => a.busyRefusals)) - busyBefore));
  await noteHubCpuPerAgent(run, '  hub CPU per reconnect (ms)', cpuAtStorm);
  noteSyscalls(run, '  hub reads / writes per reconnect', syscallsBefore, await run.hubsTogether.syscalls());
  await noteCpu(run, '  CPU s in the storm: hub / generators / postgres / bench / rest', cpuAtStorm);
  await run.phases.end('restart storm', from);
}

function note(run: Run, what: string, seconds: number): void {
  run.figures.push({ what, seconds, load: loadavg()[0] });
}

function noteValue(run: Run, what: string, value: string): void {
  run.figures.push({ what, value, load: loadavg()[0] });
}

function noteSyscalls(run: Run, what: string, before: Syscalls, after: Syscalls): void {
  noteValue(
    run,
    what,
    `${((after.reads - before.reads) / run.size).toFixed(1)} / ${((after.writes - before.writes) / run.size).toFixed(1)}`,
  );
}

/**
 * CPU so far, by part: the generators count from their start, so a phase before it (the cold
 * start) counts all of theirs.
 */
async function cpuNow(run: Run): Promise<CpuSnapshot> {
  return {
    hubMs: await run.hubsTogether.cpuMs(),
    generatorsMs: run.fleet === undefined ? 0 : (await run.fleet.times()).cpuMs,
    machine: await machineCpu(),
    bench: process.cpuUsage(),
  };
}

async function noteCpu(run: Run, what: string, before: CpuSnapshot): Promise<void> {
  noteValue(run, what, cpuSplit(before, await cpuNow(run)));
}

async function noteHubCpuPerAgent(run: Run, what: string, before: CpuSnapshot): Promise<void> {
  noteValue(run, what, (((await run.hubsTogether.cpuMs()) - before.hubMs) / run.size).toFixed(2));
}

/** How the agents' streams last ended, when some did (RESOURCE_EXHAUSTED is admission control). */
function printErrors(agents: AgentTimes[]): void {
  const errors = new Map<string, number>();
  for (const a of agents) if (a.streamFailures > 0) errors.set(a.lastError ?? '?', (errors.get(a.lastError ?? '?') ?? 0) + 1);
  for (const [error, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 5))
    console.log(`    ${n} agents last failed with ${error.slice(0, 120)}`);
}

function synced(commit: string): AgentCondition {
  return { commit, acked: true };
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

function max(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function main(): Promise<void> {
  console.log(
    `scale: ${SIZES.join(', ')} fake agents × ${RUNS} run(s), ${PROCESSES} generator processes, ${REPLICAS} hub replica(s) on PostgreSQL`,
  );
  const results = new Map<number, Figure[][]>();
  for (const size of SIZES) {
    for (let run = 1; run <= RUNS; run++) {
      const figures = await measure(size, run);
      results.set(size, [...(results.get(size) ?? []), figures]);
      printRun(`${size} agents, run ${run}`, figures);
    }
  }
  printTable(SIZES, results);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
