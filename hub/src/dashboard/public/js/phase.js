// What a tone looks like: a colour and an icon beside the words, so that colour is never the
// only signal. The hub words a bundle on a cluster (`condition`: its tone and text, from phase
// and health together); unknown is never shown as good: an unreachable cluster's cells are
// hatched grey with a question mark.

const ICONS = { ok: '✓', busy: '↻', waiting: '…', bad: '✗', held: '‖', unknown: '?' };

export function toneIcon(tone) {
  return ICONS[tone] ?? '?';
}

/** Health alone (resources): healthy, progressing, degraded, missing, suspended, unknown. */
export function healthTone(health) {
  switch (health) {
    case 'healthy':
      return 'ok';
    case 'progressing':
      return 'busy';
    case 'degraded':
    case 'missing':
      return 'bad';
    case 'suspended':
      return 'held';
    default:
      return 'unknown';
  }
}

/** Rollout and partition states: progressing, done, halted, paused, pending, and per cluster waiting/updating/done/failed. */
export function rolloutTone(state) {
  switch (state) {
    case 'done':
      return 'ok';
    case 'progressing':
    case 'updating':
      return 'busy';
    case 'halted':
    case 'failed':
      return 'bad';
    case 'paused':
      return 'held';
    default:
      return 'waiting';
  }
}
