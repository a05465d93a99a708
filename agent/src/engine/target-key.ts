import { createHash } from 'node:crypto';
import type { Target } from '#proto';

/**
 * The idempotency key of a target: everything that decides what gets applied. A target whose
 * key equals that of its last successful apply is not applied again.
 */
export function targetKey(target: Target): string {
  const values = Object.keys(target.values)
    .sort()
    .map((key) => [key, target.values[key]]);
  const canonical = JSON.stringify([
    target.bundle,
    target.source?.repoUrl ?? '',
    target.source?.commit ?? '',
    target.source?.path ?? '',
    target.defaultNamespace,
    values,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
