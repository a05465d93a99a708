import { stripUserinfo } from '#core';

/**
 * One spelling per repository, so that a webhook's clone URL matches the configured one:
 * no credentials, scheme and host lower-case, no trailing ".git" or "/". `git@host:a/b`
 * becomes `ssh://git@host/a/b`.
 */
export function repositoryKey(url: string): string {
  let text = stripUserinfo(url.trim());
  const scp = /^([A-Za-z0-9._-]+)@([^:/]+):(.*)$/.exec(text);
  if (scp !== null && !text.includes('://')) text = `ssh://${scp[2]}/${scp[3]}`;
  text = text.replace(/^ssh:\/\/[^@/]+@/i, 'ssh://');
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/.exec(text);
  if (match === null) return text.replace(/\/+$/, '').replace(/\.git$/, '');
  const path = match[3]
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  return `${match[1].toLowerCase()}://${match[2].toLowerCase()}${path}`;
}

/** Whether two URLs name the same repository, however they are spelled (https vs http aside). */
export function sameRepository(a: string, b: string): boolean {
  const x = repositoryKey(a);
  const y = repositoryKey(b);
  return x === y || x.replace(/^https?:/, 'http:') === y.replace(/^https?:/, 'http:');
}
