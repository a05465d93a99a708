// Live updates: reads GET /api/v1/stream with fetch() — EventSource cannot send the
// Authorization header, and the token must never go into a URL — parses the server-sent
// events, and reconnects with a growing pause when the stream ends or falls silent.

const SILENCE_LIMIT_MS = 40_000; // the hub sends a heartbeat every 15 s
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000];

/** Splits a text stream into server-sent events ({ event, data }), one chunk at a time. */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.event = '';
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop();
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/**
 * Keeps a stream open while the page lives. handlers: onEvent(name, json), onState(state, detail)
 * with state connecting | live | retrying | refused. Returns stop().
 */
export function openLiveStream(getToken, handlers) {
  let stopped = false;
  let attempt = 0;
  let controller;
  let retryTimer;

  const run = async () => {
    controller = new AbortController();
    let silence;
    const watch = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), SILENCE_LIMIT_MS);
    };
    handlers.onState('connecting');
    try {
      const response = await fetch('/api/v1/stream', {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${getToken() ?? ''}` },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (response.status === 401 || response.status === 403) {
        const body = await response.json().catch(() => ({}));
        handlers.onState('refused', body.message ?? `the hub refused the stream (${response.status})`);
        return;
      }
      if (!response.ok || response.body === null) throw new Error(`the stream answered ${response.status}`);
      const parser = new SseParser(({ event, data }) => {
        let json = null;
        try {
          json = JSON.parse(data);
        } catch {
          return;
        }
        if (event === 'hello') {
          attempt = 0;
          handlers.onState('live');
        }
        handlers.onEvent(event, json);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      watch();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        watch();
        parser.push(value);
      }
    } catch (error) {
      if (stopped) return;
      handlers.onState('retrying', error.name === 'AbortError' ? 'the stream went silent' : error.message);
    } finally {
      clearTimeout(silence);
    }
    if (stopped) return;
    const pause = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)];
    handlers.onState('retrying', `reconnecting in ${pause / 1000} s`);
    retryTimer = setTimeout(run, pause);
  };

  void run();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    controller?.abort();
  };
}
