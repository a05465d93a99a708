// The fleet matrix: clusters × bundles, each cell a phase and health with its commit, the
// unreachable clusters first and in red, counts, and filters by label, phase and name.
import { api, listAll } from './api.js';
import { badge, connectivityBadge, labelChips } from './badges.js';
import { h, show } from './dom.js';
import { PHASE_GROUPS, labelsMatch, parseLabelFilter, withLabel } from './filters.js';
import { ago, shortCommit, when } from './format.js';
import { toneIcon } from './phase.js';

const TONE_NAMES = {
  ok: 'synced',
  busy: 'rolling out',
  waiting: 'pending',
  bad: 'failed/degraded',
  held: 'paused/suspended',
  unknown: 'unknown',
};

/** Rows drawn at first, and added by each "show more": a 10,000-cluster fleet is not one table. */
const PAGE_ROWS = 500;

/** Filter settings survive navigation within the tab. */
const filters = { labels: sessionStorage.getItem('gitfleet.filter.labels') ?? '', phase: 'any', name: '' };

export function matrixView() {
  let data = null;
  let shownRows = PAGE_ROWS;
  const glance = h('section', { class: 'glance', 'aria-label': 'the whole fleet' });
  const more = h('div', { class: 'more-rows' });
  const banner = h('section', { class: 'unreachable', 'aria-live': 'polite' });
  const summary = h('section', { class: 'summary', 'aria-label': 'counts' });
  const grid = h('div', { class: 'matrix-wrap', tabindex: '0', 'aria-label': 'fleet matrix, scrolls sideways' });
  const filterNote = h('p', { class: 'filter-note', role: 'status' });

  const labelInput = h('input', {
    id: 'filter-labels',
    type: 'search',
    placeholder: 'env=prod, region!=us-east',
    value: filters.labels,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const nameInput = h('input', {
    id: 'filter-name',
    type: 'search',
    placeholder: 'part of a cluster or bundle name',
    value: filters.name,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const phaseSelect = h(
    'select',
    { id: 'filter-phase' },
    Object.entries(PHASE_GROUPS).map(([value, g]) => h('option', { value, selected: value === filters.phase }, g.label)),
  );
  const apply = () => {
    filters.labels = labelInput.value;
    filters.name = nameInput.value;
    filters.phase = phaseSelect.value;
    sessionStorage.setItem('gitfleet.filter.labels', filters.labels);
    shownRows = PAGE_ROWS;
    draw();
  };
  labelInput.addEventListener('input', apply);
  nameInput.addEventListener('input', apply);
  phaseSelect.addEventListener('change', apply);
  const pickLabel = (pair) => {
    labelInput.value = withLabel(labelInput.value, pair);
    apply();
    labelInput.focus();
  };

  const controls = h(
    'form',
    { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
    h('div', null, h('label', { for: 'filter-labels' }, 'Labels'), labelInput),
    h('div', null, h('label', { for: 'filter-phase' }, 'Phase'), phaseSelect),
    h('div', null, h('label', { for: 'filter-name' }, 'Name'), nameInput),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          labelInput.value = '';
          nameInput.value = '';
          phaseSelect.value = 'any';
          apply();
        },
      },
      'Clear filters',
    ),
  );

  const element = h(
    'div',
    { class: 'view matrix-view' },
    h('h1', null, 'Fleet'),
    banner,
    glance,
    summary,
    controls,
    filterNote,
    grid,
    more,
  );

  function draw() {
    if (data === null) return;
    const { clusters, bundles } = data;
    drawBanner(clusters);
    const parsed = parseLabelFilter(filters.labels);
    const tones = PHASE_GROUPS[filters.phase]?.tones ?? null;
    const needle = filters.name.trim().toLowerCase();
    // A name filter matching bundle names (and no cluster) narrows the columns; otherwise the rows.
    const matchesName = (name) => needle === '' || name.toLowerCase().includes(needle);
    const bundleHit = needle !== '' && !clusters.some((c) => matchesName(c.name)) && bundles.some((b) => matchesName(b.name));
    const shownBundles = bundles.map((b) => b.name).filter((n) => !bundleHit || matchesName(n));
    const rows = clusters.filter((c) => {
      if (!labelsMatch(c.labels, parsed.terms)) return false;
      if (!matchesName(c.name) && !(bundleHit && c.bundles.some((b) => matchesName(b.bundle)))) return false;
      if (tones !== null && !c.bundles.some((b) => tones.includes(b.condition.tone))) return false;
      return true;
    });
    drawSummary(rows);
    const drawn = rows.slice(0, shownRows);
    show(
      filterNote,
      parsed.errors.length > 0 ? h('span', { class: 'error-text' }, `Not understood: ${parsed.errors.join(', ')}. `) : null,
      drawn.length < rows.length
        ? `Showing the first ${drawn.length} of ${rows.length} matching clusters (${clusters.length} in all).`
        : `Showing ${rows.length} of ${clusters.length} clusters.`,
    );
    show(
      grid,
      rows.length === 0
        ? h('p', { class: 'empty' }, clusters.length === 0 ? 'No clusters have registered yet.' : 'No cluster matches these filters.')
        : table(drawn, shownBundles, bundles),
    );
    show(
      more,
      drawn.length < rows.length
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                shownRows += PAGE_ROWS;
                draw();
              },
            },
            `Show ${Math.min(PAGE_ROWS, rows.length - drawn.length)} more`,
          )
        : null,
    );
  }

  /** The whole fleet in one line, from GET /api/v1/summary (counts, never rows). */
  function drawGlance(fleet) {
    if (fleet === null) return show(glance);
    const phases = Object.entries(fleet.phases).filter(([, n]) => n > 0);
    show(
      glance,
      h(
        'p',
        { class: 'summary-line' },
        h('strong', null, String(fleet.clusters)),
        ` clusters in the fleet: ${fleet.connectivity.connected} connected, ${fleet.connectivity.unreachable} unreachable`,
        phases.length > 0 ? ` · bundles: ${phases.map(([phase, n]) => `${n} ${phase}`).join(', ')}` : '',
      ),
    );
  }

  function drawBanner(clusters) {
    const down = clusters.filter((c) => c.state === 'active' && c.connectivity !== 'connected');
    banner.className = down.length > 0 ? 'unreachable alert' : 'unreachable calm';
    if (down.length === 0) {
      show(banner, h('p', null, badge('ok', `All ${clusters.filter((c) => c.state === 'active').length} active clusters connected`)));
      return;
    }
    show(
      banner,
      h('h2', null, h('span', { 'aria-hidden': 'true' }, '⚠ '), `${down.length} ${down.length === 1 ? 'cluster' : 'clusters'} unreachable`),
      h(
        'ul',
        { class: 'down-list' },
        down.map((c) =>
          h('li', null, h('a', { href: `#/clusters/${encodeURIComponent(c.name)}` }, c.name), ` — last seen ${ago(c.lastSeenAt)}`),
        ),
      ),
    );
  }

  function drawSummary(rows) {
    const counts = { ok: 0, busy: 0, waiting: 0, bad: 0, held: 0, unknown: 0 };
    for (const c of rows) for (const b of c.bundles) counts[b.condition.tone]++;
    const connected = rows.filter((c) => c.connectivity === 'connected').length;
    show(
      summary,
      h(
        'ul',
        { class: 'counts' },
        h('li', null, h('strong', null, String(rows.length)), ' clusters, ', h('strong', null, String(connected)), ' connected'),
        Object.entries(counts).map(([tone, n]) => h('li', { class: n > 0 ? '' : 'zero' }, badge(tone, `${n} ${TONE_NAMES[tone]}`))),
      ),
    );
  }

  function table(rows, bundleNames, bundles) {
    const byName = new Map(bundles.map((b) => [b.name, b]));
    return h(
      'table',
      { class: 'matrix' },
      h('caption', { class: 'visually-hidden' }, 'Phase and health of every bundle on every cluster'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Cluster'),
          bundleNames.map((name) => {
            const b = byName.get(name);
            return h(
              'th',
              { scope: 'col', title: `fleet commit ${b?.commit ?? ''}` },
              h('span', { class: 'bundle-name' }, name),
              h('span', { class: 'head-commit' }, `@${shortCommit(b?.commit)}`),
              b?.pin ? h('span', { class: 'tag' }, `pinned ${shortCommit(b.pin.commit)}`) : null,
              b?.rollout && b.rollout !== 'done'
                ? h('a', { class: 'tag', href: `#/rollouts/${encodeURIComponent(name)}` }, `rollout ${b.rollout}`)
                : null,
            );
          }),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((c) => row(c, bundleNames, byName)),
      ),
    );
  }

  function row(cluster, bundleNames, byName) {
    const cells = new Map(cluster.bundles.map((b) => [b.bundle, b]));
    return h(
      'tr',
      { 'data-cluster': cluster.name, class: cluster.connectivity === 'connected' ? '' : 'row-down' },
      h(
        'th',
        { scope: 'row' },
        h('a', { href: `#/clusters/${encodeURIComponent(cluster.name)}`, class: 'cluster-name' }, cluster.name),
        ' ',
        connectivityBadge(cluster),
        labelChips(cluster.labels, pickLabel),
      ),
      bundleNames.map((name) => {
        const b = cells.get(name);
        if (b === undefined)
          return h('td', { class: 'cell none', 'data-bundle': name }, h('span', { class: 'visually-hidden' }, 'not placed'), '·');
        return cell(cluster, b, byName.get(name));
      }),
    );
  }

  function cell(cluster, b, bundle) {
    const tone = b.condition.tone;
    const behind = b.commit !== null && b.desiredCommit && b.commit !== b.desiredCommit;
    const title = [
      `${b.bundle} on ${cluster.name}: ${b.phase}, health ${b.health}`,
      `last attempted ${b.commit ?? 'nothing yet'}`,
      `desired ${b.desiredCommit || '—'}`,
      bundle && bundle.commit !== b.desiredCommit ? `fleet head ${bundle.commit}` : null,
      b.driftCount > 0 ? `${b.driftCount} drifted` : null,
      `last report ${when(b.lastReportAt)}`,
    ]
      .filter(Boolean)
      .join('\n');
    return h(
      'td',
      { class: `cell tone-${tone}`, 'data-bundle': b.bundle, 'data-phase': b.phase, 'data-health': b.health, 'data-tone': tone },
      h(
        'a',
        { href: `#/clusters/${encodeURIComponent(cluster.name)}`, title },
        h('span', { class: 'icon', 'aria-hidden': 'true' }, toneIcon(tone)),
        h('span', { class: 'words' }, b.condition.text),
        h(
          'span',
          { class: 'commit' },
          behind ? `${shortCommit(b.commit)} → ${shortCommit(b.desiredCommit)}` : shortCommit(b.commit ?? b.desiredCommit),
        ),
        b.driftCount > 0 ? h('span', { class: 'drift' }, `Δ ${b.driftCount} drifted`) : null,
      ),
    );
  }

  return {
    element,
    title: 'Fleet',
    async refresh() {
      const [clusters, bundles, fleet] = await Promise.all([
        listAll('/api/v1/clusters'),
        listAll('/api/v1/bundles'),
        api('/api/v1/summary').catch(() => null),
      ]);
      const byName = (a, b) => (a.name < b.name ? -1 : 1);
      data = { clusters: clusters.sort(byName), bundles: bundles.sort(byName) };
      drawGlance(fleet);
      draw();
    },
  };
}
