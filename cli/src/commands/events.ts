import type { HubEvent, Page } from '../api';
import { stringOption, positionals, UsageError, type Command, type CommandContext } from '../command';
import { parseDuration } from '../duration';
import { EXIT } from '../exit-codes';
import { LiveWake } from '../live';
import type { Query } from '../hub-client';
import { shortCommit } from '../render/cells';
import type { Paint, Style } from '../render/colour';

const MAX_PAGE = 500;

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Tail the fleet event log (newest last); --follow keeps streaming',
  help: `Usage: gitfleet events [--cluster c] [--bundle b] [--type t] [--since 1h] [--limit n] [--follow]

Prints recorded fleet events oldest to newest, like a log: syncs that succeeded or failed,
health degraded or recovered, drift detected or corrected, rollouts started, halted or
completed, clusters registered, connected, unreachable or revoked, fleet commits accepted
or rejected.
--since   only events of the last <duration> (e.g. 10m, 2h) or since an ISO time
--limit   how many of the newest to print first (default 20, at most ${MAX_PAGE})
--follow  keep printing new events as they are recorded (the hub's live stream, with a check
          every 10 s should it be away; Ctrl-C stops); with -o json,
          one JSON object per line`,
  options: {
    cluster: { type: 'string' },
    bundle: { type: 'string' },
    type: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
  },
  async run(ctx, { args, values }) {
    positionals('events', args, []);
    const limitText = stringOption(values, 'limit') ?? '20';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_PAGE) {
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_PAGE}, got "${limitText}"`, 'events');
    }
    const filter: Query = {
      cluster: stringOption(values, 'cluster'),
      bundle: stringOption(values, 'bundle'),
      type: stringOption(values, 'type'),
      since: sinceOf(stringOption(values, 'since'), ctx.now()),
    };
    const follow = values.follow === true;

    // The API answers newest first; a log reads oldest first.
    const page = await ctx.hub.get<Page<HubEvent>>('/api/v1/events', { ...filter, limit: Number(limitText) });
    if (ctx.output === 'json' && !follow) {
      ctx.json(page);
      return EXIT.ok;
    }
    const print = (events: HubEvent[]) => {
      for (const e of events) ctx.out(ctx.output === 'json' ? `${JSON.stringify(e)}\n` : `${eventLine(e, ctx.paint)}\n`);
    };
    const first = [...page.items].reverse();
    print(first);
    if (!follow) return EXIT.ok;

    // Ids only grow: everything above the last one printed is new (none printed: every event is).
    // The live stream says when an event was recorded; the list API says which are new (and
    // applies the filters), so nothing is printed twice or skipped in a burst.
    let lastId = first.length === 0 ? undefined : idOf(first[first.length - 1]);
    const live = new LiveWake(ctx.hub, (e) => e.event === 'fleet', ctx.signal);
    try {
      while (await live.wait(ctx.pollIntervalMs)) {
        const fresh = await newerThan(ctx, filter, lastId);
        print(fresh);
        if (fresh.length > 0) lastId = idOf(fresh[fresh.length - 1]);
      }
    } finally {
      live.close();
    }
    return EXIT.interrupted;
  },
};

/**
 * Events with an id above `lastId`, oldest first: newest pages until one reaches back to
 * `lastId`, so that a burst larger than a page is not skipped.
 */
async function newerThan(ctx: CommandContext, filter: Query, lastId: bigint | undefined): Promise<HubEvent[]> {
  const fresh: HubEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const page = await ctx.hub.get<Page<HubEvent>>('/api/v1/events', { ...filter, limit: MAX_PAGE, cursor });
    const newer = page.items.filter((e) => lastId === undefined || idOf(e) > lastId);
    fresh.push(...newer);
    if (newer.length < page.items.length || page.next === null || page.next === undefined) break;
    cursor = page.next;
  }
  return fresh.reverse();
}

function idOf(event: HubEvent): bigint {
  try {
    return BigInt(String(event.id ?? '0'));
  } catch {
    return 0n;
  }
}

/** --since as the API's ISO time: a duration counts back from now; an ISO time is taken as is. */
export function sinceOf(text: string | undefined, now: number): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now - ms).toISOString();
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new UsageError(`--since must be a duration (10m, 2h) or an ISO time, got "${text}"`, 'events');
  return new Date(at).toISOString();
}

const SEVERITY_STYLES: Record<string, Style> = { error: 'red', warning: 'yellow', info: 'green' };

/** `2026-01-02T03:04:05.000Z  sync.failed        prod-eu-1/web@1a2b3c4  message`, like a log line. */
export function eventLine(e: HubEvent, paint: Paint): string {
  const at = e.at ?? '-';
  const severity = e.severity ?? 'info';
  const subject = [e.cluster, e.bundle].filter((s) => s !== null && s !== undefined && s !== '').join('/');
  const commit = e.commit === null || e.commit === undefined || e.commit === '' ? '' : `@${shortCommit(e.commit)}`;
  const where = subject === '' && commit === '' ? '-' : `${subject}${commit}`;
  return [paint('grey', at), paint(SEVERITY_STYLES[severity], (e.type ?? 'event').padEnd(19)), where, e.message ?? ''].join('  ').trimEnd();
}
