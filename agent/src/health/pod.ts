import {
  conditionText,
  degraded,
  describe,
  findCondition,
  healthy,
  progressing,
  record,
  stringField,
  type HealthAssessment,
  type KubeObjectLike,
} from './assessment';

/** Waiting reasons that will not go away by waiting: the pod needs a new spec or image. */
const STUCK_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
]);

export function podHealth(pod: KubeObjectLike): HealthAssessment {
  const name = describe(pod);
  const status = record(pod.status);
  const phase = stringField(status.phase);
  if (phase === 'Succeeded') return healthy(`${name}: completed`);

  const containers = [...containerStatuses(status.initContainerStatuses), ...containerStatuses(status.containerStatuses)];
  for (const container of containers) {
    const waiting = record(record(container.state).waiting);
    const reason = stringField(waiting.reason);
    if (reason !== undefined && STUCK_REASONS.has(reason)) {
      const message = stringField(waiting.message);
      return degraded(`${name}: container "${String(container.name)}": ${reason}${message ? `: ${message}` : ''}`);
    }
  }
  if (phase === 'Failed') {
    const why = [stringField(status.reason), stringField(status.message)].filter(Boolean).join(': ');
    return degraded(`${name}: failed${why ? `: ${why}` : terminatedText(containers)}`);
  }
  const ready = findCondition(pod, 'Ready');
  if (phase === 'Running' && ready?.status === 'True') return healthy(`${name}: running`);
  const scheduled = findCondition(pod, 'PodScheduled');
  if (scheduled?.status === 'False') return progressing(`${name}: ${conditionText(scheduled) || 'not scheduled'}`);
  return progressing(`${name}: ${phase ?? 'Pending'}${ready && ready.status !== 'True' ? `, ${conditionText(ready) || 'not ready'}` : ''}`);
}

function containerStatuses(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

/** `: container "app" exited 1 (Error)` for the first container that terminated unsuccessfully. */
function terminatedText(containers: Record<string, unknown>[]): string {
  for (const container of containers) {
    const terminated = record(record(container.state).terminated);
    if (typeof terminated.exitCode === 'number' && terminated.exitCode !== 0) {
      const reason = stringField(terminated.reason);
      return `: container "${String(container.name)}" exited ${terminated.exitCode}${reason ? ` (${reason})` : ''}`;
    }
  }
  return '';
}
