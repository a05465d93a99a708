/**
 * Repository URLs may carry credentials (https://user:token@host/...). Everything the hub
 * logs, stores for display or returns passes through here first.
 */
export function stripUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // scp-like "user@host:path" carries no secret beyond the user name, but a malformed
    // URL might: drop anything that looks like userinfo.
    return redactUserinfo(url);
  }
}

/** Removes `userinfo@` from every URL-looking part of a free text (git error messages). */
export function redactUserinfo(text: string): string {
  return text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@\s]*@/g, '$1');
}
