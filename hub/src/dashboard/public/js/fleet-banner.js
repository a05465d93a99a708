// The fleet repositories' health across the top of every page: a newest commit the hub rejected
// (with its file:line errors) and a fetch that fails (with its cause and since when) — the
// clusters keep the last good commit meanwhile, so the matrix alone would look fine.
import { api } from './api.js';
import { h, show } from './dom.js';
import { ago, shortCommit, when } from './format.js';

const MAX_ERRORS = 5;

export function fleetBanner(element) {
  return {
    async refresh() {
      const fleet = await api('/api/v1/fleet');
      const troubled = fleet.repos.filter((r) => r.state !== 'ok');
      element.hidden = troubled.length === 0;
      element.dataset.state = troubled.length === 0 ? 'ok' : 'problem';
      show(element, troubled.map(repoNotice));
    },
  };
}

function repoNotice(r) {
  const keeps = r.commit === null ? 'No commit of it has been accepted yet.' : `The clusters keep ${shortCommit(r.commit)}.`;
  return h(
    'section',
    { class: 'fleet-repo-problem', 'data-repo': r.name, 'data-state': r.state, role: 'alert' },
    r.fetchError
      ? h(
          'p',
          null,
          h('strong', null, `Fleet repository ${r.name} cannot be fetched`),
          ` since ${ago(r.fetchError.since)} (${when(r.fetchError.since)}): `,
          h('span', { class: 'cause' }, r.fetchError.message),
          ` ${keeps}`,
        )
      : null,
    r.rejected
      ? [
          h(
            'p',
            null,
            h('strong', null, `Fleet repository ${r.name}: commit ${shortCommit(r.rejected.commit)} was rejected.`),
            ` ${keeps} Fix the commit and push again:`,
          ),
          h(
            'ul',
            { class: 'fleet-errors' },
            r.rejected.errors.slice(0, MAX_ERRORS).map((e) => h('li', { class: 'mono' }, errorLine(e))),
            r.rejected.errors.length > MAX_ERRORS ? h('li', null, `… and ${r.rejected.errors.length - MAX_ERRORS} more`) : null,
          ),
        ]
      : null,
    r.state === 'pending' && !r.fetchError
      ? h('p', null, h('strong', null, `Fleet repository ${r.name}`), ' has no accepted commit yet.')
      : null,
  );
}

/** `fleet/web.yaml:7: spec.source.path: …`, as compilers print errors. */
function errorLine(e) {
  const where = [e.file, e.line].filter((p) => p !== null).join(':');
  return [where, e.field, e.message].filter((p) => p !== null && p !== '').join(': ');
}
