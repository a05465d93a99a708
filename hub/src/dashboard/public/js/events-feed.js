// The newest fleet events, beside every page: the log's last entries when the page opens,
// then each event as the live stream brings it.
import { api } from './api.js';
import { badge } from './badges.js';
import { h, show } from './dom.js';
import { shortCommit, when } from './format.js';

const KEEP = 12;
const SEVERITY_TONE = { info: 'ok', warning: 'held', error: 'bad' };

export function eventsFeed(list) {
  let events = [];

  const draw = () =>
    show(
      list,
      events.length === 0
        ? h('li', { class: 'empty' }, 'No events yet.')
        : events.map((e) =>
            h(
              'li',
              { class: `event sev-${e.severity}`, 'data-type': e.type },
              h('div', null, badge(SEVERITY_TONE[e.severity] ?? 'unknown', e.type), ' ', h('time', { datetime: e.at }, when(e.at))),
              h(
                'div',
                { class: 'event-where' },
                e.cluster ? h('a', { href: `#/clusters/${encodeURIComponent(e.cluster)}` }, e.cluster) : null,
                e.cluster && e.bundle ? ' · ' : null,
                e.bundle ?? null,
                e.commit ? ` @${shortCommit(e.commit)}` : null,
              ),
              h('div', { class: 'event-message' }, e.message),
            ),
          ),
    );

  return {
    async load() {
      try {
        const page = await api(`/api/v1/events?limit=${KEEP}`);
        events = page.items;
      } catch {
        events = []; // The log may be out of reach for this token; live events still arrive.
      }
      draw();
    },
    add(event) {
      if (events.some((e) => e.id === event.id)) return;
      events = [event, ...events].slice(0, KEEP);
      draw();
    },
  };
}
