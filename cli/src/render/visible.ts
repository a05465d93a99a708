/**
 * Text the hub hands over — names, labels, messages, diffs — comes from clusters, Git and
 * agents, not from us: a name holding `ESC]0;…` or `ESC[2J` would retitle or clear the
 * terminal it is printed on, a bidi override would show text other than what it is. Before it
 * is shown, every control character (C0 but newline and tab, DEL, C1) and every invisible
 * direction or format character is written as an escape that shows what it is (`\x1b`, `\u202e`).
 */

/** C0 but \t and \n, DEL, C1; bidi embeddings, overrides and isolates; LRM/RLM/ALM; zero-width and BOM. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Every string of an API answer (keys too: labels are shown as key=value) made visible. */
export function visibleStrings<T>(value: T): T {
  if (typeof value === 'string') return visible(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => visibleStrings(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [visible(k), visibleStrings(v)])) as T;
  }
  return value;
}
