// The fleet matrix's filters as plain functions. The label expression is the API's `selector`
// (kubectl syntax: "env=prod, region!=us-east, tier, !legacy"): the hub parses and applies it.

/** A term's label key: `env` of `env=prod`, `env!=dev`, `env`, `!env`. */
function keyOf(term) {
  return term
    .replace(/^!/, '')
    .split(/!?=|\s+(?:not)?in\s*\(/)[0]
    .trim();
}

/** Adds a term (key=value, !key) to an expression, replacing the terms on the same key. */
export function withLabel(text, pair) {
  const key = keyOf(pair);
  const kept = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && keyOf(t) !== key);
  return [...kept, pair].join(', ');
}

/** The bundle phases (the API's), for the phase filter: a cluster row is shown when one of its bundles is in it. */
export const PHASES = ['failed', 'unknown', 'rolling-out', 'pending', 'waiting', 'paused', 'suspended', 'synced'];
