// The fleet matrix: clusters × bundles, each cell a phase and health with its commit. The
// server filters and pages the rows (label selector, phase, name, connectivity) and counts the
// fleet (GET /api/v1/summary): the page holds what it shows, never the whole fleet.
import { api } from './api.js';
import { badge, connectivityBadge, labelChips } from './badges.js';
import { h, show } from './dom.js';
import { PHASES, withLabel } from './filters.js';
import { ago, shortCommit, when } from './format.js';
import { toneIcon } from './phase.js';

/** Rows fetched at first, and by each "show more" (one request each). */
export const PAGE_ROWS = 200;
/** Unreachable clusters named in the banner; the total comes from the summary. */
const BANNER_ROWS = 20;
/** Groups drawn; the summary answers up to 1,000. */
const SHOWN_GROUPS = 50;
/** Typing pauses this long before the server is asked. */
const TYPING_PAUSE_MS = 250;

/** Filter settings survive navigation within the tab. */
const filters = {
  labels: sessionStorage.getItem('gitfleet.filter.labels') ?? '',
  phase: 'any',
  name: '',
  connectivity: 'any',
  groupBy: sessionStorage.getItem('gitfleet.groupBy') ?? '',
};

/** GET /api/v1/clusters with the filters, as query parameters. */
export function clusterQuery(f, limit, cursor) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (f.labels.trim() !== '') q.set('selector', f.labels.trim());
  if (f.phase !== 'any') q.set('phase', f.phase);
  if (f.name.trim() !== '') q.set('name', f.name.trim());
  if (f.connectivity !== 'any') q.set('connectivity', f.connectivity);
  if (cursor !== null) q.set('cursor', cursor);
  return `/api/v1/clusters?${q}`;
}

function isFiltered(f) {
  return f.labels.trim() !== '' || f.phase !== 'any' || f.name.trim() !== '' || f.connectivity !== 'any';
}

export function matrixView() {
  /** The rows shown, the cursor after them, and how many the user asked to see. */
  let rows = { items: [], next: null, error: null, loaded: false };
  let wanted = PAGE_ROWS;
  let fleet = null;
  let down = null;
  /** Bumped by every filter change: answers to older requests are dropped. */
  let generation = 0;
  /** Bumped by every summary asked for: an answer to an older one (a refresh overtaken by a regroup) is dropped. */
  let summaries = 0;
  let typing;
  const glance = h('section', { class: 'glance', 'aria-label': 'the whole fleet' });
  const groups = h('section', { class: 'groups', 'aria-label': 'groups' });
  const more = h('div', { class: 'more-rows' });
  const banner = h('section', { class: 'unreachable', 'aria-live': 'polite' });
  const grid = h('div', { class: 'matrix-wrap', tabindex: '0', 'aria-label': 'fleet matrix, scrolls sideways' });
  const filterNote = h('p', { class: 'filter-note', role: 'status' });

  const input = (id, placeholder, value) =>
    h('input', { id, type: 'search', placeholder, value, autocomplete: 'off', spellcheck: 'false' });
  const labelInput = input('filter-labels', 'env=prod, region!=us-east', filters.labels);
  const nameInput = input('filter-name', 'part of a cluster name', filters.name);
  const groupInput = h('input', {
    id: 'group-by',
    type: 'search',
    placeholder: 'a label key, e.g. region',
    value: filters.groupBy,
    list: 'group-keys',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const groupKeys = h('datalist', { id: 'group-keys' });
  const phaseSelect = h(
    'select',
    { id: 'filter-phase' },
    [['any', 'any phase'], ...PHASES.map((p) => [p, p])].map(([value, label]) =>
      h('option', { value, selected: value === filters.phase }, label),
    ),
  );
  const connectivitySelect = h(
    'select',
    { id: 'filter-connectivity' },
    ['any', 'connected', 'unreachable'].map((value) => h('option', { value, selected: value === filters.connectivity }, value)),
  );

  /** Filters changed: the first page again, from the server. */
  const apply = () => {
    clearTimeout(typing);
    filters.labels = labelInput.value;
    filters.name = nameInput.value;
    filters.phase = phaseSelect.value;
    filters.connectivity = connectivitySelect.value;
    sessionStorage.setItem('gitfleet.filter.labels', filters.labels);
    wanted = PAGE_ROWS;
    generation++;
    const mine = generation;
    loadRows()
      .then((loaded) => {
        if (mine !== generation) return;
        rows = loaded;
        draw();
      })
      .catch(failed);
  };
  const applySoon = () => {
    clearTimeout(typing);
    typing = setTimeout(apply, TYPING_PAUSE_MS);
  };
  const regroup = () => {
    filters.groupBy = groupInput.value.trim();
    sessionStorage.setItem('gitfleet.groupBy', filters.groupBy);
    loadSummary()
      .then((summary) => {
        if (summary === null) return;
        fleet = summary;
        drawGlance();
      })
      .catch(failed);
  };
  labelInput.addEventListener('input', applySoon);
  nameInput.addEventListener('input', applySoon);
  phaseSelect.addEventListener('change', apply);
  connectivitySelect.addEventListener('change', apply);
  groupInput.addEventListener('change', regroup);
  const pickLabel = (pair) => {
    labelInput.value = withLabel(labelInput.value, pair);
    apply();
    labelInput.focus();
  };
  const pickPhase = (phase) => {
    phaseSelect.value = phase;
    apply();
  };

  const controls = h(
    'form',
    { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
    h('div', null, h('label', { for: 'filter-labels' }, 'Labels'), labelInput),
    h('div', null, h('label', { for: 'filter-phase' }, 'Phase'), phaseSelect),
    h('div', null, h('label', { for: 'filter-connectivity' }, 'Connectivity'), connectivitySelect),
    h('div', null, h('label', { for: 'filter-name' }, 'Name'), nameInput),
    h('div', null, h('label', { for: 'group-by' }, 'Group by'), groupInput, groupKeys),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          labelInput.value = '';
          nameInput.value = '';
          phaseSelect.value = 'any';
          connectivitySelect.value = 'any';
          apply();
        },
      },
      'Clear filters',
    ),
  );

  const element = h('div', { class: 'view matrix-view' }, h('h1', null, 'Fleet'), banner, glance, controls, groups, filterNote, grid, more);

  /** The first `wanted` matching rows, a page (at most 500, the API's limit) per request. */
  async function loadRows() {
    const items = [];
    let next = null;
    try {
      do {
        const page = await api(clusterQuery(filters, Math.min(500, wanted - items.length), next));
        items.push(...page.items);
        next = page.next ?? null;
      } while (next !== null && items.length < wanted);
      return { items, next, error: null, loaded: true };
    } catch (error) {
      if (error.status !== 400) throw error;
      // A filter the hub does not understand (a half-typed selector): say so, keep the page usable.
      return { items: [], next: null, error: error.message, loaded: true };
    }
  }

  /** The fleet summary, grouped as asked; null when a newer one was asked for meanwhile. */
  async function loadSummary() {
    const mine = ++summaries;
    const groupBy = filters.groupBy;
    const summary = await api(`/api/v1/summary${groupBy === '' ? '' : `?groupBy=${encodeURIComponent(groupBy)}`}`).catch((error) =>
      error.status === 400 ? api('/api/v1/summary') : Promise.reject(error),
    );
    return mine === summaries ? summary : null;
  }

  /** A request of the page's own (not a refresh) failed: say so where the rows are. */
  function failed(error) {
    if (error.status === 401) return;
    show(filterNote, h('span', { class: 'error-text', role: 'alert' }, `Could not load the clusters: ${error.message}`));
  }

  async function showMore() {
    // A refresh under way would answer fewer rows than are about to be shown: its rows are dropped.
    const mine = ++generation;
    const page = await api(clusterQuery(filters, PAGE_ROWS, rows.next)).catch((error) => {
      failed(error);
      return null;
    });
    if (page === null) return;
    if (mine !== generation) return;
    wanted = rows.items.length + PAGE_ROWS;
    rows = { ...rows, items: [...rows.items, ...page.items], next: page.next ?? null };
    draw();
  }

  function draw() {
    drawBanner();
    drawGlance();
    if (!rows.loaded) return;
    const items = rows.items;
    const bundleNames = [...new Set(items.flatMap((c) => c.bundles.map((b) => b.bundle)))].sort();
    const keys = new Set(items.flatMap((c) => Object.keys(c.labels ?? {})));
    show(
      groupKeys,
      [...keys].sort().map((k) => h('option', { value: k })),
    );
    const total = fleet?.clusters;
    show(
      filterNote,
      rows.error !== null ? h('span', { class: 'error-text' }, `Not understood: ${rows.error}`) : null,
      rows.error !== null
        ? null
        : rows.next !== null
          ? `Showing the first ${items.length} matching clusters${total === undefined ? '' : ` (${total} in the fleet)`}; more match.`
          : isFiltered(filters)
            ? `Showing ${items.length} matching clusters${total === undefined ? '' : ` (${total} in the fleet)`}.`
            : `Showing ${items.length} clusters.`,
    );
    show(
      grid,
      items.length === 0
        ? h('p', { class: 'empty' }, fleet?.clusters === 0 ? 'No clusters have registered yet.' : 'No cluster matches these filters.')
        : table(items, bundleNames),
    );
    show(
      more,
      rows.next !== null
        ? h('button', { type: 'button', class: 'secondary', onclick: () => void showMore() }, `Show ${PAGE_ROWS} more`)
        : null,
    );
  }

  /** The whole fleet from GET /api/v1/summary (counts, never rows); a phase or a group is a filter. */
  function drawGlance() {
    if (fleet === null) {
      show(glance);
      show(groups);
      return;
    }
    const phases = Object.entries(fleet.phases).filter(([, n]) => n > 0);
    show(
      glance,
      h(
        'p',
        { class: 'summary-line' },
        h('strong', null, String(fleet.clusters)),
        ` clusters in the fleet: ${fleet.connectivity.connected} connected, ${fleet.connectivity.unreachable} unreachable`,
        fleet.drift.placements > 0
          ? h(
              'span',
              { class: 'drift-note' },
              ` · ${fleet.drift.resources} drifted ${fleet.drift.resources === 1 ? 'resource' : 'resources'} in ${fleet.drift.placements} ${fleet.drift.placements === 1 ? 'bundle' : 'bundles'}`,
            )
          : null,
        phases.length > 0 ? ' · bundles: ' : '',
      ),
      h(
        'ul',
        { class: 'counts' },
        phases.map(([phase, n]) =>
          h(
            'li',
            null,
            h('button', { type: 'button', class: 'chip', 'data-phase': phase, onclick: () => pickPhase(phase) }, `${n} ${phase}`),
          ),
        ),
      ),
    );
    if (fleet.groupBy === null || fleet.groupBy !== filters.groupBy) return show(groups);
    const key = fleet.groupBy;
    const shown = fleet.groups.slice(0, SHOWN_GROUPS);
    show(
      groups,
      h('h2', null, `By ${key}`),
      h(
        'ul',
        { class: 'group-list' },
        shown.map((g) =>
          h(
            'li',
            null,
            h(
              'button',
              {
                type: 'button',
                class: 'group',
                'data-group': g.value ?? '',
                title: `Show only clusters ${g.value === null ? `without ${key}` : `with ${key}=${g.value}`}`,
                onclick: () => pickLabel(g.value === null ? `!${key}` : `${key}=${g.value}`),
              },
              h('strong', null, g.value ?? `(no ${key})`),
              ` ${g.clusters} ${g.clusters === 1 ? 'cluster' : 'clusters'}`,
              g.unreachable > 0 ? `, ${g.unreachable} unreachable` : '',
              g.phases.failed > 0 ? `, ${g.phases.failed} failed` : '',
            ),
          ),
        ),
      ),
      fleet.groups.length > shown.length || fleet.groupsTruncated
        ? h('p', { class: 'filter-note' }, `The ${shown.length} largest groups of ${key}.`)
        : null,
    );
  }

  /** The first unreachable active clusters by name; the count is the fleet's, from the summary. */
  function drawBanner() {
    if (down === null || fleet === null) return;
    const total = Math.max(fleet.unreachableActive, down.items.length);
    banner.className = total > 0 ? 'unreachable alert' : 'unreachable calm';
    if (total === 0) {
      show(banner, h('p', null, badge('ok', `All ${fleet.states.active} active clusters connected`)));
      return;
    }
    show(
      banner,
      h('h2', null, h('span', { 'aria-hidden': 'true' }, '⚠ '), `${total} ${total === 1 ? 'cluster' : 'clusters'} unreachable`),
      h(
        'ul',
        { class: 'down-list' },
        down.items.map((c) =>
          h('li', null, h('a', { href: `#/clusters/${encodeURIComponent(c.name)}` }, c.name), ` — last seen ${ago(c.lastSeenAt)}`),
        ),
        total > down.items.length
          ? h(
              'li',
              null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: () => {
                    connectivitySelect.value = 'unreachable';
                    apply();
                  },
                },
                `… and ${total - down.items.length} more: show them`,
              ),
            )
          : null,
      ),
    );
  }

  function table(rows, bundleNames) {
    const byName = bundleHeads(rows);
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
              { scope: 'col', title: `desired commit ${b?.commit ?? ''}` },
              h('span', { class: 'bundle-name' }, name),
              h('span', { class: 'head-commit' }, `@${shortCommit(b?.commit)}`),
              b?.rollout ? h('a', { class: 'tag', href: `#/rollouts/${encodeURIComponent(name)}` }, `rollout ${b.rollout}`) : null,
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
      bundle && bundle.commit !== b.desiredCommit ? `most clusters shown want ${bundle.commit}` : null,
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
    /** The counts, the banner and the rows shown (as many as were asked for), never the whole fleet. */
    async refresh() {
      const mine = generation;
      const [answered, loaded] = await Promise.all([loadSummary(), loadRows()]);
      // A regroup asked for a newer summary while this one was on its way: that one stands.
      const summary = answered ?? fleet;
      const summariesAsked = summaries;
      // Finding unreachable clusters may read the whole fleet: only when the summary says there are some.
      const unreachable =
        summary !== null && summary.unreachableActive > 0
          ? await api(`/api/v1/clusters?state=active&connectivity=unreachable&limit=${BANNER_ROWS}`)
          : { items: [], next: null };
      // Nor one asked for while the unreachable clusters were read (the groups drawn meanwhile stay).
      if (summaries === summariesAsked) fleet = summary;
      down = unreachable;
      if (mine === generation) rows = loaded;
      draw();
    },
  };
}

/**
 * What a column head says, from the rows shown: the commit most of them are asked to run, and
 * whether a rollout holds some of them back (the fleet's bundle list would need every cluster).
 */
function bundleHeads(rows) {
  const heads = new Map();
  for (const c of rows)
    for (const b of c.bundles) {
      let head = heads.get(b.bundle);
      if (head === undefined) heads.set(b.bundle, (head = { commits: new Map(), rollout: null }));
      if (b.desiredCommit) head.commits.set(b.desiredCommit, (head.commits.get(b.desiredCommit) ?? 0) + 1);
      if (b.rollout === 'paused') head.rollout = 'paused';
      else if (b.rollout === 'waiting' && head.rollout === null) head.rollout = 'in progress';
    }
  return new Map(
    [...heads].map(([name, head]) => [
      name,
      { commit: [...head.commits].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null, rollout: head.rollout },
    ]),
  );
}
