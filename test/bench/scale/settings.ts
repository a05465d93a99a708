/**
 * The scale bench's settings, read from the environment once (scale.ts's header says what each
 * does); a bad value stops the bench with a message naming the variable.
 */

export const SIZES = (process.env.BENCH_SIZES ?? process.env.BENCH_AGENTS ?? '1000').split(',').map(Number);
export const RUNS = Number(process.env.BENCH_RUNS ?? 1);
export const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 4);
export const PROFILE = process.env.BENCH_PROFILE === '1';
/** More Node options for the hub processes (BENCH_HUB_NODE_ARGS, space-separated), after the chart's (shippedNodeArgs). */
export const HUB_NODE_ARGS = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
/** Registrations in flight per generator process: a fleet coming up together registers at once. */
export const REGISTER_CONCURRENCY = Number(process.env.BENCH_REGISTER_CONCURRENCY ?? 250);
/** Hub replicas on the one database, the agents spread across them (RSS and CPU are their sums). */
export const REPLICAS = Number(process.env.BENCH_HUB_REPLICAS ?? 1);
export const LIMIT = 20 * 60_000;
/** Fleet commits measured per run, a few seconds apart. */
export const COMMITS = Number(process.env.BENCH_COMMITS ?? 1);
/**
 * How the hub learns of a commit: `poll` (the fleet repository polled every 0.2 s, as the issue
 * measured) or `webhook` (a signed GitHub push notification sent right after the commit, polling
 * every 60 s behind it — how a hub meant to react in seconds is set up).
 */
export const TRIGGER = process.env.BENCH_TRIGGER ?? 'webhook';
if (TRIGGER !== 'poll' && TRIGGER !== 'webhook') throw new Error(`BENCH_TRIGGER must be poll or webhook, not ${TRIGGER}`);
/** Phases after the cold start and the commits: `read` (list and dashboard), `resync` (unchanged reports again), `storm` (all agents restart). */
export const PHASES = new Set((process.env.BENCH_PHASES ?? 'read,storm').split(',').filter((p) => p !== ''));

/** The resync phase's reports spread over this many seconds. */
export const RESYNC_SECONDS = Number(process.env.BENCH_RESYNC_SECONDS ?? 0);

/** `<autoPartitionSize>/<maxUnavailable>`: the bundle rolls out progressively (see the header). */
export const ROLLOUT = process.env.BENCH_ROLLOUT?.split('/');
if (ROLLOUT !== undefined && ROLLOUT.length !== 2)
  throw new Error('BENCH_ROLLOUT must be <autoPartitionSize>/<maxUnavailable>, e.g. 25%/25%');

/**
 * Bundles on every cluster (BENCH_BUNDLES, 1): `app`, which every commit changes, and
 * `app-2` … `app-<n>`, which no commit after the first touches, as a fleet's add-ons sit
 * beside the one bundle a commit is about. Those keep their first commit (neither their spec nor
 * their files change), so a commit's reports and events are `app`'s; every bundle's status is
 * still counted.
 */
export const BUNDLES = Number(process.env.BENCH_BUNDLES ?? 1);
if (!Number.isInteger(BUNDLES) || BUNDLES < 1) throw new Error(`BENCH_BUNDLES must be a whole number of at least 1, not ${BUNDLES}`);
