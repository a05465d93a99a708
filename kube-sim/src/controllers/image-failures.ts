/**
 * How a simulated Pod is told to fail: by its container image reference. An image whose
 * reference contains the pull marker (default `fail-pull`, e.g. `nginx:fail-pull`) cannot be
 * pulled; one containing the crash marker (default `crash-loop`, e.g. `busybox:crash-loop`)
 * starts and exits with code 1 at once. Tests then need nothing but a manifest.
 */
export interface ImageFailureMarkers {
  pull: string;
  crash: string;
}

export const DEFAULT_FAILURE_MARKERS: ImageFailureMarkers = { pull: 'fail-pull', crash: 'crash-loop' };

export type ImageFailure = 'pull' | 'crash';

export function imageFailure(image: unknown, markers: ImageFailureMarkers): ImageFailure | undefined {
  if (typeof image !== 'string') return undefined;
  if (markers.pull && image.includes(markers.pull)) return 'pull';
  if (markers.crash && image.includes(markers.crash)) return 'crash';
  return undefined;
}

/** kubelet's container restart back-off: 10 s doubling to 5 min, in spec seconds. */
export function restartBackOffSeconds(restarts: number): number {
  return Math.min(300, 10 * 2 ** restarts);
}

/** How many restarts have happened `elapsedSeconds` after the first crash, and when the next one is due. */
export function restartsAfter(elapsedSeconds: number): { restarts: number; nextInSeconds: number } {
  let restarts = 0;
  let at = 0;
  for (;;) {
    const next = at + restartBackOffSeconds(restarts);
    if (next > elapsedSeconds) return { restarts, nextInSeconds: next - elapsedSeconds };
    at = next;
    restarts++;
  }
}

/** The fully-qualified reference containerd reports in pull errors. */
export function qualifiedImage(image: string): string {
  const [name] = image.split(/[@]/);
  const hasTag = /:[^/]+$/.test(name);
  const withTag = hasTag || image.includes('@') ? image : `${image}:latest`;
  const first = withTag.split('/')[0];
  if (withTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return withTag;
  return withTag.includes('/') ? `docker.io/${withTag}` : `docker.io/library/${withTag}`;
}
