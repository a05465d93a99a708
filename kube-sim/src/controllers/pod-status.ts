import { JsonObject, KubeObject, isObject } from '../json-value';
import { ImageFailure, ImageFailureMarkers, imageFailure, qualifiedImage, restartBackOffSeconds, restartsAfter } from './image-failures';

/**
 * What the simulated kubelet reports for a Pod some time after it was placed on the node:
 * Running and Ready, Succeeded (run-to-completion Pods), or one of the failures the image
 * reference asks for (image-pull-backoff, CrashLoopBackOff, a failed run). Plain function.
 */
export interface PodTimeline {
  /** Spec seconds since the kubelet started the Pod (after the ready delay). */
  elapsedSeconds: number;
  /** Whether the Pod runs to completion (restartPolicy Never, or a Job's Pod). */
  completes: boolean;
  markers: ImageFailureMarkers;
  now: string;
  podIP: string;
}

export interface KubeletReport {
  status: JsonObject;
  /** Spec seconds until the report changes by itself (next back-off), if it will. */
  changesInSeconds?: number;
}

/** A key that changes only when the report does (not with timestamps): compare to decide a write. */
export function reportKey(status: unknown): string {
  if (!isObject(status)) return '';
  const containers = Array.isArray(status['containerStatuses']) ? status['containerStatuses'].filter(isObject) : [];
  return JSON.stringify([
    status['phase'],
    containers.map((c) => [c['ready'], c['restartCount'], Object.keys(isObject(c['state']) ? c['state'] : {}), reasonOf(c['state'])]),
  ]);
}

function reasonOf(state: unknown): unknown {
  if (!isObject(state)) return undefined;
  const inner = Object.values(state)[0];
  return isObject(inner) ? inner['reason'] : undefined;
}

export function kubeletReport(pod: KubeObject, t: PodTimeline): KubeletReport {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const containers = Array.isArray(spec['containers']) ? spec['containers'].filter(isObject) : [];
  const failures = containers.map((c) => imageFailure(c['image'], t.markers));
  const pull = failures.includes('pull');
  const crash = !pull && failures.includes('crash');
  const onFailureRestarts = spec['restartPolicy'] !== 'Never';
  const failedRun = crash && t.completes && !onFailureRestarts;
  const crashLoop = crash && !failedRun;
  // The first pull attempt reports ErrImagePull; every later look finds the kubelet backing off.
  const reported = isObject(pod['status']) && Array.isArray(pod['status']['containerStatuses']) ? pod['status']['containerStatuses'] : [];
  const pulled = reported.some((c) => isObject(c) && ['ErrImagePull', 'ImagePullBackOff'].includes(String(reasonOf(c['state']))));
  const loop = restartsAfter(t.elapsedSeconds);
  const now = t.now;
  const name = `${pod.metadata.name}_${String(pod.metadata['namespace'])}(${String(pod.metadata['uid'])})`;

  const statuses = containers.map((c, i): JsonObject => {
    const failure: ImageFailure | undefined = failures[i];
    const base: JsonObject = { name: c['name'] ?? null, image: c['image'] ?? null, imageID: '' };
    if (pull && failure === 'pull') {
      const reason = pulled ? 'ImagePullBackOff' : 'ErrImagePull';
      const ref = qualifiedImage(String(c['image']));
      const message = pulled
        ? `Back-off pulling image "${String(c['image'])}"`
        : `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
      return { ...base, state: { waiting: { reason, message } }, lastState: {}, ready: false, restartCount: 0, started: false };
    }
    if (pull)
      return { ...base, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, started: false };
    const crashed = { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now };
    if (failedRun) return { ...base, state: { terminated: crashed }, lastState: {}, ready: false, restartCount: 0, started: false };
    if (crashLoop && failure === 'crash') {
      const message = `back-off ${restartBackOffSeconds(loop.restarts)}s restarting failed container=${String(c['name'])} pod=${name}`;
      return {
        ...base,
        state: { waiting: { reason: 'CrashLoopBackOff', message } },
        lastState: { terminated: crashed },
        ready: false,
        restartCount: loop.restarts,
        started: false,
      };
    }
    if (t.completes)
      return {
        ...base,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
        lastState: {},
        ready: false,
        restartCount: 0,
        started: false,
      };
    return { ...base, state: { running: { startedAt: now } }, lastState: {}, ready: !crashLoop, restartCount: 0, started: true };
  });

  const phase = pull ? 'Pending' : failedRun ? 'Failed' : t.completes && !crashLoop ? 'Succeeded' : 'Running';
  const ready = phase === 'Running' && !crashLoop;
  const unready = statuses.filter((s) => s['ready'] !== true).map((s) => String(s['name']));
  const notReadyReason = phase === 'Succeeded' ? 'PodCompleted' : phase === 'Failed' ? 'PodFailed' : 'ContainersNotReady';
  const notReady = (type: string): JsonObject => ({
    type,
    status: 'False',
    lastProbeTime: null,
    lastTransitionTime: now,
    reason: notReadyReason,
    ...(notReadyReason === 'ContainersNotReady' ? { message: `containers with unready status: [${unready.join(' ')}]` } : {}),
  });
  const trueCondition = (type: string): JsonObject => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
  const status: JsonObject = {
    phase,
    conditions: [
      trueCondition('Initialized'),
      ready ? trueCondition('Ready') : notReady('Ready'),
      ready ? trueCondition('ContainersReady') : notReady('ContainersReady'),
      trueCondition('PodScheduled'),
    ],
    hostIP: '10.0.0.10',
    podIP: t.podIP,
    podIPs: [{ ip: t.podIP }],
    startTime: now,
    containerStatuses: statuses,
  };
  if (pull && !pulled) return { status, changesInSeconds: 1 };
  if (crashLoop) return { status, changesInSeconds: loop.nextInSeconds };
  return { status };
}
