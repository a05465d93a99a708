// Rollouts: the list, and one bundle's rollout with its progress per partition, the halt
// cause in front, and pause/resume (operator role; a refusal shows the hub's message).
// Progress comes from the hub's counts; of a large fleet it names only the clusters it lists
// (failed, updating and waiting first), and the page says how many more each partition has.
import { ApiError, api } from './api.js';
import { badge } from './badges.js';
import { h, show } from './dom.js';
import { ago, shortCommit, when } from './format.js';
import { rolloutTone } from './phase.js';

function progress(r) {
  const sum = (state) => r.partitions.reduce((n, p) => n + p.counts[state], 0);
  const p = { done: sum('done'), updating: sum('updating'), failed: sum('failed'), waiting: sum('waiting') };
  return { ...p, total: p.done + p.updating + p.failed + p.waiting };
}

function progressText(p) {
  return `${p.done} of ${p.total} done, ${p.updating} updating, ${p.waiting} pending${p.failed > 0 ? `, ${p.failed} failed` : ''}`;
}

function bar(p) {
  // Widths through the CSSOM: the page's Content-Security-Policy forbids style attributes.
  const segment = (tone, n) => {
    const el = h('span', { class: `seg tone-${tone}` });
    el.style.width = `${p.total === 0 ? 0 : (100 * n) / p.total}%`;
    return el;
  };
  return h(
    'div',
    { class: 'bar', role: 'img', 'aria-label': progressText(p) },
    segment('ok', p.done),
    segment('busy', p.updating),
    segment('bad', p.failed),
  );
}

function haltBox(r) {
  if (r.halt === null) return null;
  return h(
    'section',
    { class: 'halt alert', role: 'alert', 'aria-labelledby': 'halt-h' },
    h('h2', { id: 'halt-h' }, h('span', { 'aria-hidden': 'true' }, '✗ '), `Rollout halted (${r.halt.reason})`),
    h(
      'dl',
      null,
      h('dt', null, 'Cluster'),
      h('dd', null, h('a', { href: `#/clusters/${encodeURIComponent(r.halt.cluster)}` }, r.halt.cluster)),
      h('dt', null, 'Resource'),
      h('dd', { class: 'mono' }, r.halt.resource || '—'),
      h('dt', null, 'Message'),
      h('dd', { class: 'halt-message' }, r.halt.message),
    ),
  );
}

export function rolloutList() {
  const body = h('div', null, h('p', { class: 'loading' }, 'Loading…'));
  return {
    element: h('div', { class: 'view rollouts-view' }, h('h1', null, 'Rollouts'), body),
    title: 'Rollouts',
    async refresh() {
      // Counts only: the list names no cluster.
      const { items } = await api('/api/v1/rollouts?clusters=0');
      show(
        body,
        items.length === 0
          ? h('p', { class: 'empty' }, 'No bundle has a rollout. Bundles with spec.rollout get one at their next revision.')
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'rollouts' },
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    ['Bundle', 'State', 'Commit', 'Progress', 'Halt', 'Updated'].map((t) => h('th', { scope: 'col' }, t)),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  items.map((r) => {
                    const p = progress(r);
                    return h(
                      'tr',
                      { 'data-bundle': r.bundle },
                      h('th', { scope: 'row' }, h('a', { href: `#/rollouts/${encodeURIComponent(r.bundle)}` }, r.bundle)),
                      h('td', null, badge(rolloutTone(r.state), r.state)),
                      h('td', { class: 'mono', title: r.commit }, shortCommit(r.commit)),
                      h('td', null, bar(p), h('span', { class: 'progress-text' }, progressText(p))),
                      h('td', { class: 'message' }, r.halt ? `${r.halt.cluster}: ${r.halt.message}` : ''),
                      h('td', { title: r.updatedAt }, ago(r.updatedAt)),
                    );
                  }),
                ),
              ),
            ),
      );
    },
  };
}

export function rolloutPage(bundle) {
  const body = h('div', null, h('p', { class: 'loading' }, 'Loading…'));
  const notice = h('div', { class: 'notice', role: 'status', 'aria-live': 'assertive' });
  let view = null;

  async function act(verb) {
    show(notice);
    try {
      await api(`/api/v1/rollouts/${encodeURIComponent(bundle)}/${verb}`, { method: 'POST' });
      show(notice, h('p', { class: 'ok-text' }, `${verb === 'pause' ? 'Paused' : 'Resumed'}.`));
      await view.refresh();
    } catch (error) {
      const refused = error instanceof ApiError && error.status === 403;
      show(
        notice,
        h('p', { class: 'error-text', role: 'alert' }, h('strong', null, refused ? 'Not allowed: ' : `Could not ${verb}: `), error.message),
      );
    }
  }

  view = {
    element: h(
      'div',
      { class: 'view rollout-view' },
      h(
        'nav',
        { class: 'crumbs', 'aria-label': 'breadcrumb' },
        h('a', { href: '#/rollouts' }, 'Rollouts'),
        ' / ',
        h('span', { 'aria-current': 'page' }, bundle),
      ),
      h('h1', null, `Rollout of ${bundle}`),
      notice,
      body,
    ),
    title: `Rollout ${bundle}`,
    async refresh() {
      const r = await api(`/api/v1/rollouts/${encodeURIComponent(bundle)}`);
      const p = progress(r);
      show(
        body,
        haltBox(r),
        h(
          'section',
          { class: 'rollout-head' },
          h(
            'p',
            null,
            badge(rolloutTone(r.state), r.state),
            ' at commit ',
            h('span', { class: 'mono', title: r.commit }, shortCommit(r.commit)),
            ` — started ${when(r.startedAt)}, updated ${ago(r.updatedAt)}`,
          ),
          bar(p),
          h('p', { class: 'progress-text' }, progressText(p)),
          h(
            'div',
            { class: 'actions' },
            r.paused
              ? h('button', { type: 'button', onclick: () => act('resume') }, '▶ Resume rollout')
              : h('button', { type: 'button', onclick: () => act('pause') }, '‖ Pause rollout'),
            h('span', { class: 'hint' }, 'Needs the operator role.'),
          ),
        ),
        h(
          'ol',
          { class: 'partitions' },
          r.partitions.map((part) => {
            const count = (s) => part.counts[s];
            return h(
              'li',
              { class: 'partition', 'data-partition': part.name },
              h('h2', null, part.name, ' ', badge(rolloutTone(part.state), part.state)),
              h(
                'p',
                { class: 'progress-text' },
                `${count('done')} done, ${count('updating')} updating, ${count('waiting')} pending${count('failed') > 0 ? `, ${count('failed')} failed` : ''} — at most ${part.maxUnavailable} updating at once`,
              ),
              h(
                'ul',
                { class: 'chips' },
                part.clusters.map((c) =>
                  h(
                    'li',
                    null,
                    h(
                      'a',
                      { class: `chip tone-${rolloutTone(c.state)}`, href: `#/clusters/${encodeURIComponent(c.name)}` },
                      `${c.name}: ${c.state}`,
                    ),
                  ),
                ),
                part.unlisted > 0
                  ? h(
                      'li',
                      { class: 'more' },
                      part.clusters.length === 0 ? `${part.unlisted} clusters, not listed` : `… and ${part.unlisted} more, not listed`,
                    )
                  : null,
              ),
            );
          }),
        ),
      );
    },
  };
  return view;
}
