import { describe, expect, it } from 'vitest';
import { parseEventStream, type LiveEvent } from './live';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const part of parts) yield encoder.encode(part);
}

async function all(stream: AsyncIterable<LiveEvent>): Promise<LiveEvent[]> {
  const events: LiveEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('parseEventStream', () => {
  it('reads events split anywhere across chunks, skipping comments, JSON data parsed', async () => {
    const events = await all(
      parseEventStream(
        chunks(
          'event: hel',
          'lo\ndata: {"role":"viewer"}\n',
          '\n: heartbeat\n\nevent: changed\r\ndata: {"bundles":["web"]}\r\n\r\n',
          'data: plain\ndata: text\n\n',
        ),
      ),
    );
    expect(events).toEqual([
      { event: 'hello', data: { role: 'viewer' } },
      { event: 'changed', data: { bundles: ['web'] } },
      { event: 'message', data: 'plain\ntext' },
    ]);
  });

  it('leaves an unfinished event at the end of the stream out', async () => {
    expect(await all(parseEventStream(chunks('event: fleet\ndata: {"id":"1"}\n\nevent: fleet\ndata: {"id":')))).toEqual([
      { event: 'fleet', data: { id: '1' } },
    ]);
  });
});
