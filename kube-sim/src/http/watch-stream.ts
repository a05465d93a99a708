import type { IncomingMessage, ServerResponse } from 'node:http';
import { gone } from '../api-error';
import { apiVersionOf } from '../discovery/api-types';
import type { ApiServer } from '../api/api-server';
import { compileFilter } from '../api/list';
import type { ListOptions, ResourceRequest } from '../api/requests';
import type { KubeObject } from '../json-value';
import type { StoreEvent } from '../store/object-store';

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  bookmarkIntervalMs: number;
}

/** Default server-side watch lifetime, like kube-apiserver's min-request-timeout. */
const DEFAULT_WATCH_SECONDS = 1800;

/**
 * A watch: newline-delimited JSON events. From resourceVersion "0" or none it starts with
 * ADDED for every current object; from an older version it replays history, or answers
 * an ERROR event with a 410 Status when that history is gone.
 */
export function serveWatch(
  api: ApiServer,
  request: ResourceRequest,
  options: WatchOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const filter = compileFilter(options);
  const typeKey = api.typeKey(request.type);
  const inScope = (o: KubeObject) => !request.namespace || o.metadata['namespace'] === request.namespace;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  // Headers go out at once, as kube-apiserver sends them: a client waits for them before events.
  res.flushHeaders();
  const send = (type: string, object: object): void => {
    if (!res.writableEnded) res.write(JSON.stringify({ type, object }) + '\n');
  };

  const requested = options.resourceVersion === undefined || options.resourceVersion === '' ? 0 : Number(options.resourceVersion);
  if (requested === 0) {
    for (const object of api.store.list(typeKey, request.namespace).filter(filter)) send('ADDED', object);
  } else if (!Number.isFinite(requested) || requested < api.store.oldestWatchableVersion) {
    const error = gone(`too old resource version: ${options.resourceVersion} (${api.store.resourceVersion})`);
    send('ERROR', error.body as object);
    res.end();
    return;
  } else {
    for (const event of api.store.eventsSince(requested, typeKey)) deliver(event);
  }

  function deliver(event: StoreEvent): void {
    if (event.typeKey !== typeKey || !inScope(event.object)) return;
    const now = filter(event.object);
    const before = event.previous ? filter(event.previous) : false;
    if (event.type === 'DELETED') {
      if (now || before) send('DELETED', event.object);
    } else if (event.type === 'ADDED') {
      if (now) send('ADDED', event.object);
    } else if (now) send(before ? 'MODIFIED' : 'ADDED', event.object);
    else if (before) send('DELETED', event.object);
  }

  const unsubscribe = api.store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  const bookmark = () =>
    send('BOOKMARK', {
      kind: request.type.kind,
      apiVersion: apiVersionOf(request.type),
      metadata: { resourceVersion: String(api.store.resourceVersion) },
    });
  if (options.allowWatchBookmarks) timers.push(setInterval(bookmark, options.bookmarkIntervalMs));
  const close = () => {
    unsubscribe();
    timers.forEach(clearTimeout);
    timers.forEach(clearInterval);
  };
  // At its deadline the watch ends with a last bookmark (when asked for), as kube-apiserver's
  // watch cache sends one shortly before a watch times out, so the client resumes from now.
  // Timers stop first: a bookmark tick after the end would be a write after end.
  timers.push(
    setTimeout(
      () => {
        close();
        if (options.allowWatchBookmarks) bookmark();
        res.end();
      },
      (options.timeoutSeconds ?? DEFAULT_WATCH_SECONDS) * 1000,
    ),
  );
  res.on('close', close);
  req.on('close', close);
}
