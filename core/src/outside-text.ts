/**
 * Text that comes from outside — agents, repositories, API callers — is data, never control:
 * before it is stored, logged or shown, control characters become visible escapes. NUL in
 * particular cannot be stored by PostgreSQL at all (text refuses it, jsonb refuses \u0000), and
 * ESC sequences would drive a terminal. Tab, newline and carriage return stay: messages and
 * diffs are multi-line.
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** `text` with control characters (but tab and line breaks) as `\uXXXX`, cut to `maxLength` characters. */
export function storableText(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const escaped = text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > maxLength ? escaped.slice(0, maxLength) : escaped;
}

/** Whether `text` holds a character storableText would escape. */
export function hasControlCharacters(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}
