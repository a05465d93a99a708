// The page: sign-in with an API token, the hash router (#/, #/clusters/<name>, #/rollouts,
// #/rollouts/<bundle>), the fleet repositories' banner, and keeping what is shown fresh from
// the live stream.
import { ApiError, whenUnauthenticated } from './api.js';
import { clusterPage } from './cluster-page.js';
import { h, show } from './dom.js';
import { eventsFeed } from './events-feed.js';
import { fleetBanner } from './fleet-banner.js';
import { openLiveStream } from './live.js';
import { matrixView } from './matrix.js';
import { rolloutList, rolloutPage } from './rollouts.js';
import { adoptTokenFromFragment, currentToken, forgetToken, rememberToken } from './token.js';

const MIN_REFRESH_GAP_MS = 1_000;
/** Refetch even without hints: "last seen" ages move, and a missed hint must not leave a stale page for long. */
const BACKSTOP_LIVE_MS = 30_000;
const BACKSTOP_OFFLINE_MS = 5_000;

const main = document.getElementById('view');
const liveState = document.getElementById('live-state');
const who = document.getElementById('who');
const signIn = document.getElementById('sign-in');
const problem = document.getElementById('problem');
const feed = eventsFeed(document.getElementById('events'));
const banner = fleetBanner(document.getElementById('fleet-health'));

let view = null;
let stopStream = null;
let live = false;
const refresher = { running: false, again: false, last: 0, timer: undefined, backstop: undefined };

function route() {
  const path = location.hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'clusters' && parts[1]) return clusterPage(parts[1]);
  if (parts[0] === 'rollouts' && parts[1]) return rolloutPage(parts[1]);
  if (parts[0] === 'rollouts') return rolloutList();
  return matrixView();
}

function markNav() {
  const section = location.hash.startsWith('#/rollouts') ? 'rollouts' : 'fleet';
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function navigate() {
  if (currentToken() === null) return;
  view = route();
  document.title = `${view.title} · gitfleet`;
  show(main, view.element);
  markNav();
  refresher.last = 0;
  void refresh();
}

/** One refresh at a time, at most one a second; hints that arrive meanwhile cause one more. */
function refresh() {
  if (view === null) return;
  if (refresher.running) {
    refresher.again = true;
    return;
  }
  const wait = refresher.last + MIN_REFRESH_GAP_MS - Date.now();
  if (wait > 0) {
    clearTimeout(refresher.timer);
    refresher.timer = setTimeout(refresh, wait);
    return;
  }
  refresher.running = true;
  refresher.last = Date.now();
  const shown = view;
  return Promise.all([shown.refresh(), banner.refresh()])
    .then(() => show(problem))
    .catch((error) => {
      if (error instanceof ApiError && error.status === 401) return;
      show(
        problem,
        h(
          'p',
          { role: 'alert' },
          h('strong', null, error instanceof ApiError && error.status === 404 ? 'Not found: ' : 'Could not load: '),
          error.message,
        ),
      );
    })
    .finally(() => {
      refresher.running = false;
      document.body.dataset.refreshedAt = String(Date.now());
      if (refresher.again) {
        refresher.again = false;
        refresh();
      }
      scheduleBackstop();
    });
}

function scheduleBackstop() {
  clearTimeout(refresher.backstop);
  refresher.backstop = setTimeout(refresh, live ? BACKSTOP_LIVE_MS : BACKSTOP_OFFLINE_MS);
}

function setLive(state, detail) {
  live = state === 'live';
  document.body.dataset.live = state;
  const words = { connecting: 'Connecting…', live: 'Live', retrying: 'Reconnecting', refused: 'Stream refused' };
  show(liveState, h('span', { class: `dot dot-${state}`, 'aria-hidden': 'true' }), ` ${words[state] ?? state}`);
  liveState.title = detail ?? '';
  if (state === 'live') refresh(); // Catch up on whatever happened while the stream was down.
  if (state === 'refused') askForToken(detail);
}

function startStream() {
  stopStream?.();
  stopStream = openLiveStream(currentToken, {
    onState: setLive,
    onEvent(name, data) {
      if (name === 'hello') show(who, `${data.principal} (${data.role}${data.scoped ? ', scoped' : ''})`);
      else if (name === 'fleet') {
        feed.add(data);
        refresh();
      } else if (name === 'changed') refresh();
      else if (name === 'end') askForToken(data.message);
    },
  });
}

function askForToken(message) {
  stopStream?.();
  stopStream = null;
  forgetToken();
  view = null;
  show(main);
  show(who);
  document.body.dataset.signedIn = 'false';
  signIn.hidden = false;
  show(document.getElementById('sign-in-problem'), message ? h('p', { role: 'alert', class: 'error-text' }, message) : null);
  document.getElementById('token-input').focus();
}

function start() {
  signIn.hidden = true;
  document.body.dataset.signedIn = 'true';
  startStream();
  void feed.load();
  navigate();
}

signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token-input');
  if (input.value.trim() === '') return;
  rememberToken(input.value);
  input.value = '';
  start();
});
document.getElementById('sign-out').addEventListener('click', () => askForToken('Signed out. The token was removed from this tab.'));
whenUnauthenticated((error) => askForToken(error.message));
window.addEventListener('hashchange', () => {
  if (adoptTokenFromFragment()) start();
  else navigate();
});

adoptTokenFromFragment();
if (currentToken() === null) askForToken();
else start();
