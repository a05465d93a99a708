import { Client } from 'pg';
import { Backoff } from '#core';
import type { Logger } from '../logging/logger';

/** Longest pause between two attempts. */
const MAX_BACKOFF_MS = 5_000;

/** The URL as it may be shown: without the password. */
export function displayDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unreadable URL';
  }
}

/**
 * Waits until the PostgreSQL server DATABASE_URL names answers a query, trying again with
 * growing pauses for at most `timeoutMs` — a hub started beside its database (a pod, a compose
 * file) comes up once the database does. Each distinct failure is logged once; giving up throws
 * an error that names DATABASE_URL and the last cause. The password never appears.
 */
export async function waitForDatabase(url: string, timeoutMs: number, log: Logger, now: () => number = Date.now): Promise<void> {
  const deadline = now() + timeoutMs;
  const seen = new Set<string>();
  const pauses = new Backoff({ baseMs: 250, factor: 2, capMs: MAX_BACKOFF_MS, resetAfterMs: Infinity, jitter: 'none' });
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: Math.max(1_000, Math.min(10_000, deadline - now())) });
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (seen.size > 0) log.info({ database: displayDatabaseUrl(url), attempts: attempt }, 'database answers');
      return;
    } catch (error) {
      const cause = causeOf(error, url);
      if (!seen.has(cause)) {
        seen.add(cause);
        log.warn({ database: displayDatabaseUrl(url), attempt, cause }, 'waiting for the database (DATABASE_URL)');
      }
      if (now() >= deadline) {
        throw new Error(
          `DATABASE_URL: the database at ${displayDatabaseUrl(url)} did not answer within ${Math.round(timeoutMs / 1000)} s ` +
            `(${attempt} attempt${attempt === 1 ? '' : 's'}; last: ${cause}); is it running, and is DATABASE_URL right? ` +
            'DATABASE_CONNECT_TIMEOUT_SECONDS sets how long to wait',
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    // One last attempt at the deadline, not a pause past it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(pauses.next(), deadline - now()))));
  }
}

function causeOf(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const password = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  })();
  return password.length >= 4 ? message.split(password).join('***') : message;
}
