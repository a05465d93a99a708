// The fleet matrix's filters as plain functions: a label expression ("env=prod, region!=us-east,
// tier" — equality, inequality, existence), a phase group, and a name substring.

/** Parses a label expression; unparseable terms come back in `errors`. */
export function parseLabelFilter(text) {
  const terms = [];
  const errors = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const match = /^([A-Za-z0-9._/-]+)\s*(!=|==|=)?\s*([A-Za-z0-9._-]*)$/.exec(term);
    if (match === null) errors.push(term);
    else if (match[2] === undefined) terms.push({ key: match[1], op: 'exists' });
    else terms.push({ key: match[1], op: match[2] === '!=' ? 'ne' : 'eq', value: match[3] });
  }
  return { terms, errors };
}

export function labelsMatch(labels, terms) {
  return terms.every((t) => {
    const value = labels?.[t.key];
    if (t.op === 'exists') return value !== undefined;
    if (t.op === 'eq') return value === t.value;
    return value !== t.value;
  });
}

/** Adds key=value to an expression unless it is there; replaces another value of the same key. */
export function withLabel(text, pair) {
  const key = pair.split('=')[0];
  const kept = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && t.split(/!?=/)[0].trim() !== key);
  return [...kept, pair].join(', ');
}

/** Phase filter choices: a cluster row is shown when one of its cells is in the group. */
export const PHASE_GROUPS = {
  any: { label: 'any phase', tones: null },
  problems: { label: 'problems (failed, degraded, unknown)', tones: ['bad', 'unknown'] },
  ok: { label: 'synced and healthy', tones: ['ok'] },
  busy: { label: 'rolling out', tones: ['busy'] },
  waiting: { label: 'pending or waiting', tones: ['waiting'] },
  held: { label: 'paused or suspended', tones: ['held'] },
  bad: { label: 'failed or degraded', tones: ['bad'] },
  unknown: { label: 'unknown', tones: ['unknown'] },
};
