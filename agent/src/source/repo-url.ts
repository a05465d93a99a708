import { SourceError } from './limits';

const ALLOWED_SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:', 'file:']);
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;
const USERINFO_IN_TEXT = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]+@/g;

/**
 * Refuses URLs git would treat as something other than a repository: remote helpers such as
 * `ext::` run commands, and a leading '-' would be read as an option.
 */
export function validateRepoUrl(url: string): void {
  if (url === '' || url.startsWith('-') || /[\s\0]/.test(url)) {
    throw new SourceError(`repository URL "${redactUrl(url)}" is not valid`);
  }
  if (SCP_LIKE.test(url) && !url.includes('://')) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError(`repository URL "${redactUrl(url)}" is not valid`);
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol)) {
    throw new SourceError(`repository URL scheme "${parsed.protocol}" is not allowed (https, http, ssh, git, file)`);
  }
}

/** The URL with any user name and password replaced, fit for logs, errors and reports. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Replaces userinfo of every URL inside a text (git's own error output names the remote). */
export function redactText(text: string): string {
  return text.replace(USERINFO_IN_TEXT, '$1***@');
}

/** The URL without userinfo: what identifies the repository, whoever fetches it. */
export function stripUserinfo(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]+@/, '$1');
}
