/** How single values read in a table cell. */

/** Commits are shown as their first 7 hex digits, like git's short form; none is "-". */
export function shortCommit(sha: string | null | undefined): string {
  if (sha === null || sha === undefined || sha === '') return '-';
  return sha.slice(0, 7);
}

/** Time since `iso`, in its largest unit ("45s", "3m", "5h", "2d"); "-" when never. */
export function age(iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '-';
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function labelList(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

/** Counts worth showing ("3 synced, 1 failed"), zeros left out; "none" when all are zero. */
export function countList(counts: Record<string, number>, order: readonly string[] = Object.keys(counts)): string {
  const parts = order.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${counts[k]} ${k}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}
