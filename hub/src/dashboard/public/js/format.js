// How times and commits read on the page.

export function shortCommit(sha) {
  return typeof sha === 'string' && sha !== '' ? sha.slice(0, 7) : '—';
}

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "never" for null. */
export function ago(iso, now = Date.now()) {
  if (iso === null || iso === undefined) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** Local time with the date, for tooltips and tables: the UTC ISO string stays in a title. */
export function when(iso) {
  if (iso === null || iso === undefined) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function labelText(labels) {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
}
