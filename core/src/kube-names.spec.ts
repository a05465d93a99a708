import { describe, expect, it } from 'vitest';
import { isDns1123Label, isLabelKey, isLabelValue } from './kube-names';

describe('Kubernetes names', () => {
  it.each([
    ['web', true],
    ['eu-west-1', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['Web', false],
    ['-web', false],
    ['web-', false],
    ['we_b', false],
    ['', false],
  ])('DNS-1123 label %j → %s', (value, ok) => expect(isDns1123Label(value)).toBe(ok));

  it.each([
    ['env', true],
    ['gitfleet.io/bundle', true],
    ['app.kubernetes.io/managed-by', true],
    ['Env_Name.x', true],
    ['UPPER.io/x', false],
    ['/x', false],
    ['x/', false],
    [`p/${'n'.repeat(64)}`, false],
    ['a b', false],
  ])('label key %j → %s', (value, ok) => expect(isLabelKey(value)).toBe(ok));

  it.each([
    ['', true],
    ['prod', true],
    ['v1.2_3-x', true],
    ['-prod', false],
    ['a'.repeat(64), false],
    ['a/b', false],
  ])('label value %j → %s', (value, ok) => expect(isLabelValue(value)).toBe(ok));
});
