import { stripUserinfo } from '#core';

/** How the hub authenticates to one repository; from configuration only, never from fleet files. */
export interface GitAuth {
  /** HTTPS basic auth: user name (any non-empty name works for most token schemes). */
  username?: string;
  /** HTTPS password or access token. */
  password?: string;
  /** SSH private key file. */
  sshKeyFile?: string;
  /** known_hosts file for SSH; unknown hosts are added on first contact (accept-new). */
  knownHostsFile?: string;
}

/**
 * Moves credentials written into a URL (`https://user:token@host/…`) into a GitAuth, so that
 * git is only ever given the URL without them: nothing lands in .git/config or `ps` output.
 */
export function separateCredentials(url: string, auth: GitAuth = {}): { url: string; auth: GitAuth } {
  const stripped = stripUserinfo(url);
  if (stripped === url) return { url, auth };
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/@\s]*)@/.exec(url);
  const userinfo = match?.[1] ?? '';
  const colon = userinfo.indexOf(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1));
  // ssh://git@host/… names the remote user, not a secret: keep it in the URL.
  if (/^ssh:/i.test(url) && password === undefined) return { url, auth };
  const merged: GitAuth = { ...auth, username: auth.username ?? username };
  const secret = auth.password ?? password;
  if (secret !== undefined) merged.password = secret;
  return { url: stripped, auth: merged };
}

/**
 * Environment for git that carries the credentials: an `Authorization` header scoped to the
 * repository URL (given through GIT_CONFIG_* variables, not arguments) and, for SSH, a
 * GIT_SSH_COMMAND with the key and known_hosts file.
 */
export function gitAuthEnvironment(url: string, auth: GitAuth): Record<string, string> {
  const env: Record<string, string> = {};
  if (/^https?:\/\//i.test(url) && (auth.username !== undefined || auth.password !== undefined)) {
    const basic = Buffer.from(`${auth.username ?? 'git'}:${auth.password ?? ''}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${url}.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  if (auth.sshKeyFile !== undefined || auth.knownHostsFile !== undefined) {
    const options = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new'];
    if (auth.sshKeyFile !== undefined) options.push('-i', auth.sshKeyFile, '-o', 'IdentitiesOnly=yes');
    if (auth.knownHostsFile !== undefined) options.push('-o', `UserKnownHostsFile=${auth.knownHostsFile}`);
    env.GIT_SSH_COMMAND = options.map(shellQuote).join(' ');
  }
  return env;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
