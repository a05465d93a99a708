/**
 * Server-sent events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * A data field may not hold a line break, so JSON is written on one line; any stray line
 * break in an event name would end the field, so names are checked.
 */

export function sseEvent(name: string, data: unknown): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`not a valid event name: ${JSON.stringify(name)}`);
  // JSON.stringify escapes \n and \r inside strings, so the payload is one line.
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by readers, keeps proxies and load balancers from closing an idle stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
