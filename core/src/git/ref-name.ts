/** A full commit SHA, as targets carry and as a bundle's source.repo.ref may name. */
export function isCommitSha(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref);
}

/**
 * Whether a branch or tag name is one the hub passes to git: a conservative subset of
 * git-check-ref-format (no option-like or path-climbing names).
 */
export function isRefName(ref: string): boolean {
  return (
    /^[A-Za-z0-9._/-]{1,200}$/.test(ref) &&
    !ref.startsWith('-') &&
    !ref.startsWith('/') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.') &&
    !ref.endsWith('.lock') &&
    !ref.includes('..') &&
    !ref.includes('//') &&
    !ref.split('/').some((part) => part.startsWith('.'))
  );
}
