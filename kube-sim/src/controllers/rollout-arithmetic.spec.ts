import { describe, expect, it } from 'vitest';
import { newReplicaSetTarget, rolloutSpec, scaleDownOld, scaledValue } from './rollout-arithmetic';

const deployment = (replicas: number, maxSurge: unknown = '25%', maxUnavailable: unknown = '25%', type = 'RollingUpdate') =>
  ({ spec: { replicas, strategy: { type, rollingUpdate: { maxSurge, maxUnavailable } } } }) as never;

describe('rollout arithmetic', () => {
  it('scales percentages: surge rounds up, unavailability rounds down', () => {
    expect(scaledValue('25%', 10, true)).toBe(3);
    expect(scaledValue('25%', 10, false)).toBe(2);
    expect(scaledValue(2, 10, false)).toBe(2);
  });

  it('resolves fenceposts: never both zero, never more unavailable than replicas', () => {
    expect(rolloutSpec(deployment(2))).toEqual({ replicas: 2, rolling: true, maxSurge: 1, maxUnavailable: 0 });
    expect(rolloutSpec(deployment(3, 0, 0))).toMatchObject({ maxSurge: 0, maxUnavailable: 1 });
    expect(rolloutSpec(deployment(1, 0, 5))).toMatchObject({ maxUnavailable: 1 });
    expect(rolloutSpec(deployment(3, 1, 1, 'Recreate'))).toEqual({ replicas: 3, rolling: false, maxSurge: 0, maxUnavailable: 0 });
  });

  it('grows the new ReplicaSet only up to replicas + maxSurge Pods in all', () => {
    const spec = rolloutSpec(deployment(4));
    expect(newReplicaSetTarget(spec, [{ replicas: 4, available: 4 }], { replicas: 0, available: 0 })).toBe(1);
    expect(
      newReplicaSetTarget(
        spec,
        [
          { replicas: 3, available: 3 },
          { replicas: 2, available: 0 },
        ],
        { replicas: 2, available: 0 },
      ),
    ).toBe(2);
    expect(
      newReplicaSetTarget(
        spec,
        [
          { replicas: 0, available: 0 },
          { replicas: 3, available: 3 },
        ],
        { replicas: 3, available: 3 },
      ),
    ).toBe(4);
  });

  it('scales old ReplicaSets down only as far as minimum availability allows', () => {
    const spec = rolloutSpec(deployment(4));
    // New ReplicaSet of 1 not yet available: one old Pod may go (4 + 1 - 3 - 1).
    expect(scaleDownOld(spec, [{ replicas: 4, available: 4 }], { replicas: 1, available: 0 })).toEqual([3]);
    // Unavailable old Pods go first, without counting against availability.
    expect(scaleDownOld(spec, [{ replicas: 4, available: 1 }], { replicas: 1, available: 0 })).toEqual([3]);
    // Nothing available anywhere and the new Pods not ready: nothing more may go.
    expect(scaleDownOld(rolloutSpec(deployment(2)), [{ replicas: 2, available: 0 }], { replicas: 1, available: 0 })).toEqual([2]);
  });
});
