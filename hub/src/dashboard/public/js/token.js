// The API token: pasted once, kept for this browser tab only (sessionStorage), or handed
// over in the URL fragment (#token=…, which never reaches a server) and then removed from
// the address bar and the history at once.

const KEY = 'gitfleet.apiToken';

/** Takes a token out of the fragment, if there is one; returns true when it did. */
export function adoptTokenFromFragment() {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (match === null) return false;
  const token = decodeURIComponent(match[1]).trim();
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  if (token !== '') sessionStorage.setItem(KEY, token);
  return token !== '';
}

export function currentToken() {
  return sessionStorage.getItem(KEY);
}

export function rememberToken(token) {
  sessionStorage.setItem(KEY, token.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}
