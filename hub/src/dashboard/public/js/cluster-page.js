// One cluster: who it is and whether it is there, its targets (the desired commit, the one it
// last applied whole and the one it last attempted), every resource with its action and health
// (and, after an attempt that applied nothing, what still runs), drift with its diff, and
// deployment history.
import { api } from './api.js';
import { badge, connectivityBadge, labelChips } from './badges.js';
import { diffBlock } from './diff.js';
import { h, show } from './dom.js';
import { ago, shortCommit, when } from './format.js';
import { healthTone } from './phase.js';

export function clusterPage(name) {
  const body = h('div', { class: 'cluster-body' }, h('p', { class: 'loading' }, 'Loading…'));
  const element = h(
    'div',
    { class: 'view cluster-view' },
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'breadcrumb' },
      h('a', { href: '#/' }, 'Fleet'),
      ' / ',
      h('span', { 'aria-current': 'page' }, name),
    ),
    h('h1', null, name),
    body,
  );

  function facts(c) {
    const down = c.state === 'active' && c.connectivity !== 'connected';
    return h(
      'section',
      { class: down ? 'facts alert' : 'facts', 'aria-label': 'cluster' },
      down
        ? h(
            'p',
            { class: 'down-note', role: 'alert' },
            h('strong', null, 'Unreachable.'),
            ` Not heard from since ${when(c.lastSeenAt)} (${ago(c.lastSeenAt)}). Phases below are unknown; the last known ones are shown in grey.`,
          )
        : null,
      h(
        'dl',
        null,
        h('dt', null, 'State'),
        h('dd', null, c.state),
        h('dt', null, 'Connectivity'),
        h('dd', null, connectivityBadge(c)),
        h('dt', null, 'Last seen'),
        h('dd', { title: c.lastSeenAt ?? '' }, `${ago(c.lastSeenAt)} (${when(c.lastSeenAt)})`),
        h('dt', null, 'Registered'),
        h('dd', null, when(c.registeredAt)),
        h('dt', null, 'Target set'),
        h('dd', null, c.targetSet ? `revision ${c.targetSet.revision}, acknowledged ${c.targetSet.ackedRevision ?? 'not yet'}` : '—'),
        h('dt', null, 'Labels'),
        h('dd', null, labelChips(c.labels)),
      ),
    );
  }

  function targets(c) {
    return h(
      'section',
      { 'aria-labelledby': 'targets-h' },
      h('h2', { id: 'targets-h' }, 'Targets'),
      c.bundles.length === 0
        ? h('p', { class: 'empty' }, 'No bundle targets this cluster.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'targets' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Bundle', 'State', 'Desired', 'Applied', 'Last attempt', 'Drift', 'Last report', 'Message'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                null,
                c.bundles.map((b) => {
                  const lastKnown =
                    b.phase === 'unknown' ? h('span', { class: 'last-known' }, ` (last known: ${lastKnownWords(b)})`) : null;
                  const attemptOnly = b.commit !== null && b.commit !== b.lastApplied?.commit;
                  return h(
                    'tr',
                    { 'data-bundle': b.bundle },
                    h(
                      'th',
                      { scope: 'row' },
                      h(
                        'button',
                        { type: 'button', class: 'link', title: 'Show its resources', onclick: () => jumpTo(`bundle-${b.bundle}`) },
                        b.bundle,
                      ),
                    ),
                    h('td', { 'data-col': 'state' }, badge(b.condition.tone, b.condition.text), lastKnown),
                    h('td', { class: 'mono', 'data-col': 'desired', title: b.desiredCommit }, shortCommit(b.desiredCommit)),
                    h(
                      'td',
                      {
                        class: 'mono',
                        'data-col': 'applied',
                        title: b.lastApplied ? `${b.lastApplied.commit}, ${when(b.lastApplied.at)}` : '',
                      },
                      b.lastApplied ? shortCommit(b.lastApplied.commit) : 'nothing yet',
                    ),
                    h(
                      'td',
                      { class: attemptOnly ? 'mono behind' : 'mono', 'data-col': 'attempted', title: b.commit ?? '' },
                      shortCommit(b.commit),
                      attemptOnly ? ` (${b.lastKnownPhase === 'failed' ? 'failed' : 'not applied'})` : '',
                    ),
                    h('td', null, b.driftCount > 0 ? badge('bad', `${b.driftCount} drifted`) : 'none'),
                    h('td', { title: b.observedAt ?? '' }, ago(b.observedAt)),
                    h('td', { class: 'message' }, b.message || ''),
                  );
                }),
              ),
            ),
          ),
    );
  }

  function resources(b) {
    const drifted = b.resources.filter((r) => r.drifted && r.driftDiff);
    return h(
      'section',
      { class: 'bundle-detail', id: `bundle-${b.bundle}`, 'aria-labelledby': `res-${b.bundle}` },
      h(
        'h3',
        { id: `res-${b.bundle}`, tabindex: '-1' },
        `${b.bundle} — resources`,
        b.summary ? h('span', { class: 'summary-line' }, summaryText(b.summary, b.lastKnownPhase)) : null,
      ),
      stillLive(b),
      b.resources.length === 0
        ? h('p', { class: 'empty' }, b.commit === null ? 'No report yet.' : 'The last report lists no resources.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'resources' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Kind', 'Namespace', 'Name', 'Action', 'Health', 'Message'].map((t) => h('th', { scope: 'col' }, t)),
                ),
              ),
              h(
                'tbody',
                null,
                b.resources.map((r) =>
                  h(
                    'tr',
                    { 'data-resource': `${r.kind}/${r.namespace}/${r.name}`, class: r.error || r.health === 'degraded' ? 'row-bad' : '' },
                    h('td', null, r.kind),
                    h('td', null, r.namespace || '—'),
                    h('td', { class: 'mono' }, r.name),
                    h('td', null, r.action === 'failed' ? badge('bad', 'failed') : r.action),
                    h(
                      'td',
                      null,
                      badge(healthTone(r.health), r.health),
                      r.drifted ? ' ' : null,
                      r.drifted ? badge('bad', 'drifted') : null,
                    ),
                    h('td', { class: 'message' }, [r.error, r.healthMessage].filter(Boolean).join(' — ')),
                  ),
                ),
              ),
            ),
          ),
      drifted.length === 0
        ? null
        : h(
            'div',
            { class: 'drift-list' },
            h('h4', null, `Drift (${drifted.length})`),
            drifted.map((r) =>
              h(
                'figure',
                { class: 'drift-item', 'data-drift': `${r.kind}/${r.namespace}/${r.name}` },
                h(
                  'figcaption',
                  null,
                  `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: live differs from Git `,
                  h(
                    'span',
                    { class: 'legend' },
                    h('span', { class: 'diff-del' }, '− live in the cluster'),
                    ' ',
                    h('span', { class: 'diff-add' }, '+ desired from Git'),
                  ),
                ),
                diffBlock(r.driftDiff, `drift of ${r.kind} ${r.name}: lines starting with minus are live, plus are desired`),
              ),
            ),
          ),
    );
  }

  function history(items) {
    return h(
      'section',
      { 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h' }, 'Deployment history'),
      items.length === 0
        ? h('p', { class: 'empty' }, 'No finished syncs yet.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'history' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Finished', 'Bundle', 'Commit', 'Result', 'Health', 'Took', 'Changes', 'Message'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                null,
                items.map((d) =>
                  h(
                    'tr',
                    null,
                    h('td', { title: d.finishedAt }, when(d.finishedAt)),
                    h('td', null, d.bundle),
                    h('td', { class: 'mono', title: d.commit }, shortCommit(d.commit)),
                    h('td', null, badge(d.result === 'synced' ? 'ok' : 'bad', d.result)),
                    h('td', null, badge(healthTone(d.health), d.health)),
                    h('td', null, `${((Date.parse(d.finishedAt) - Date.parse(d.startedAt)) / 1000).toFixed(1)} s`),
                    h('td', null, d.summary ? summaryText(d.summary, d.result) : '—'),
                    h('td', { class: 'message' }, d.message),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  return {
    element,
    title: name,
    async refresh() {
      const [cluster, past] = await Promise.all([
        api(`/api/v1/clusters/${encodeURIComponent(name)}`),
        api(`/api/v1/history?cluster=${encodeURIComponent(name)}&limit=20`),
      ]);
      show(body, facts(cluster), targets(cluster), h('h2', null, 'Resources'), cluster.bundles.map(resources), history(past.items));
    },
  };
}

/** A sync's change set; an empty one says nothing changed only when the sync succeeded. */
function summaryText(s, phase) {
  const parts = Object.entries(s)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  return ` ${parts.length > 0 ? parts.join(', ') : phase === 'synced' ? 'nothing to change' : 'nothing applied'}`;
}

/** After an attempt that did not apply the bundle whole: what the cluster still runs. */
function stillLive(b) {
  if (b.commit === null || b.commit === b.lastApplied?.commit) return null;
  if (b.lastApplied === null)
    return h('p', { class: 'still-live' }, `Nothing has been applied yet; the last attempt was at ${shortCommit(b.commit)}.`);
  const s = b.lastApplied.summary;
  const n = s === null ? null : s.created + s.configured + s.unchanged;
  const live = b.lastApplied.resources.filter((r) => r.action !== 'deleted' && r.action !== 'failed' && r.action !== 'skipped');
  return h(
    'div',
    { class: 'still-live' },
    h(
      'p',
      null,
      `The last attempt (${shortCommit(b.commit)}) did not apply the bundle: the cluster still runs what `,
      h('span', { class: 'mono', title: b.lastApplied.commit }, shortCommit(b.lastApplied.commit)),
      ` applied${n === null ? '' : ` — ${n} ${n === 1 ? 'object' : 'objects'}`} (${when(b.lastApplied.at)}).`,
    ),
    live.length === 0
      ? null
      : h(
          'ul',
          { class: 'still-live-resources' },
          live.map((r) =>
            h(
              'li',
              null,
              h('span', { class: 'mono' }, [r.kind, r.namespace, r.name].filter((x) => x !== '').join('/')),
              ` — ${r.health} when it was applied`,
            ),
          ),
        ),
  );
}

function lastKnownWords(b) {
  return b.lastKnownHealth === 'unknown' ? b.lastKnownPhase : `${b.lastKnownPhase} · ${b.lastKnownHealth}`;
}

/** In-page jumps without touching the hash, which the router owns. */
function jumpTo(id) {
  const target = document.getElementById(id);
  target?.scrollIntoView({ block: 'start' });
  target?.querySelector('h3')?.focus();
}
