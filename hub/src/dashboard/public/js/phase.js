// What a (phase, health) pair looks like: a tone (the colour), an icon and words, so that
// colour is never the only signal. Unknown is never shown as good: an unreachable cluster's
// cells are hatched grey with a question mark.

const ICONS = { ok: '✓', busy: '↻', waiting: '…', bad: '✗', held: '‖', unknown: '?' };

/** tone: ok | busy | waiting | bad | held | unknown */
export function cellTone(phase, health) {
  if (phase === 'unknown') return 'unknown';
  if (phase === 'failed' || health === 'degraded' || health === 'missing') return 'bad';
  if (phase === 'paused' || phase === 'suspended' || health === 'suspended') return 'held';
  if (phase === 'rolling-out' || (phase === 'synced' && health === 'progressing')) return 'busy';
  if (phase === 'pending' || phase === 'waiting') return 'waiting';
  if (phase === 'synced' && health === 'healthy') return 'ok';
  return 'unknown';
}

export function toneIcon(tone) {
  return ICONS[tone] ?? '?';
}

/** "synced", "synced · degraded", "rolling out": the health is named when it adds something. */
export function phaseWords(phase, health) {
  const words = phase.replace('-', ' ');
  const obvious = (phase === 'synced' && health === 'healthy') || phase === 'unknown' || (health === 'unknown' && phase !== 'synced');
  return obvious ? words : `${words} · ${health}`;
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
