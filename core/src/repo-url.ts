/**
 * Repository URLs may carry credentials (https://user:token@host/...). Whatever is logged,
 * stored for display, reported or returned by the API passes through here first.
 */

const ALLOWED_SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:', 'file:']);
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;
const USERINFO_IN_TEXT = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/g;

/** The URL without userinfo: what identifies the repository to whoever fetches or reads it. */
export function stripUserinfo(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/, '$1');
}

/** Replaces the userinfo of every URL inside a free text (git's own errors name the remote). */
export function redactUserinfo(text: string): string {
  return text.replace(USERINFO_IN_TEXT, '$1***@');
}

/**
 * Why git must not be given this URL, or undefined if it may: remote helpers such as `ext::`
 * run commands, and a leading '-' would be read as an option.
 */
export function repoUrlProblem(url: string): string | undefined {
  if (url === '' || url.startsWith('-') || /[\s\0]/.test(url)) return `repository URL "${redactUserinfo(url)}" is not valid`;
  if (SCP_LIKE.test(url) && !url.includes('://')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `repository URL "${redactUserinfo(url)}" is not valid`;
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol)) {
    return `repository URL scheme "${parsed.protocol}" is not allowed (https, http, ssh, git, file)`;
  }
  return undefined;
}
