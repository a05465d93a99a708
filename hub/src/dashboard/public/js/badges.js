// Small shared pieces of markup: a status badge (icon + words + tone) and label chips.
import { h } from './dom.js';
import { toneIcon } from './phase.js';

export function badge(tone, words, title) {
  return h(
    'span',
    { class: `badge tone-${tone}`, title },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, toneIcon(tone)),
    ` ${words}`,
  );
}

export function connectivityBadge(cluster) {
  if (cluster.state !== 'active') return badge(cluster.state === 'revoked' ? 'bad' : 'waiting', cluster.state);
  return cluster.connectivity === 'connected' ? badge('ok', 'connected') : badge('bad', 'unreachable');
}

/** Label chips; with onPick, each is a button that filters by it. */
export function labelChips(labels, onPick) {
  return h(
    'ul',
    { class: 'chips', 'aria-label': 'labels' },
    Object.entries(labels ?? {}).map(([k, v]) =>
      h(
        'li',
        null,
        onPick === undefined
          ? h('span', { class: 'chip' }, `${k}=${v}`)
          : h(
              'button',
              { type: 'button', class: 'chip', title: `Show only clusters with ${k}=${v}`, onclick: () => onPick(`${k}=${v}`) },
              `${k}=${v}`,
            ),
      ),
    ),
  );
}
