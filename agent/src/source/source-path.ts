import { SourceError } from './limits';

/**
 * Checks a target's path inside its repository and returns it normalised ("" for the root):
 * relative, no '..' segments, no backslashes or NULs that another layer might read differently.
 */
export function normaliseSourcePath(path: string): string {
  if (path.includes('\0') || path.includes('\\')) {
    throw new SourceError(`source path "${path}" must not contain NUL or backslash characters`);
  }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new SourceError(`source path "${path}" must be relative to the repository root`);
  }
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new SourceError(`source path "${path}" must not contain '..'`);
  }
  if (segments.some((segment) => segment.toLowerCase() === '.git')) {
    throw new SourceError(`source path "${path}" must not point into .git`);
  }
  return segments.join('/');
}
