import { forbidden } from '../api-error';
import { KubeObject, isObject } from '../json-value';
import { quantityNumber } from '../schema/quantity';
import { ObjectStore, typeKeyOf } from '../store/object-store';
import { computeResource, countedType, isTerminal, podResource, usageIn } from './quota-usage';

const QUOTAS = typeKeyOf('', 'resourcequotas');

/**
 * The ResourceQuota admission plugin: a create that would take a namespace past a quota is
 * refused, and so is a Pod that does not say how much of a quota-limited resource it needs.
 */
export function admitQuota(store: ObjectStore, typeKey: string, resource: string, object: KubeObject): void {
  const namespace = object.metadata['namespace'];
  if (typeof namespace !== 'string') return;
  for (const quota of store.list(QUOTAS, namespace)) {
    const hard = isObject(quota['spec']) && isObject(quota['spec']['hard']) ? quota['spec']['hard'] : {};
    const names = Object.keys(hard);
    const pod = typeKey === '/pods' && !isTerminal(object);
    const requested = new Map<string, string>();
    const missing: string[] = [];
    for (const name of names) {
      if (countedType(name) === typeKey) requested.set(name, '1');
      const compute = pod ? computeResource(name) : undefined;
      if (!compute) continue;
      const amount = podResource(object, compute[0], compute[1]);
      if (amount === undefined) missing.push(name);
      else requested.set(name, amount);
    }
    const subject = `${resource} "${object.metadata.name}" is forbidden`;
    if (missing.length > 0)
      throw forbidden(`${subject}: failed quota: ${quota.metadata.name}: must specify ${missing.sort().join(',')}`, {
        name: object.metadata.name,
        kind: resource,
      });
    if (requested.size === 0) continue;
    const used = usageIn(store, namespace, [...requested.keys()]);
    const over = [...requested.keys()].filter(
      (name) => quantityNumber(String(used[name])) + quantityNumber(requested.get(name)!) > quantityNumber(String(hard[name])),
    );
    if (over.length === 0) continue;
    const list = (values: (name: string) => string) =>
      over
        .sort()
        .map((name) => `${name}=${values(name)}`)
        .join(',');
    throw forbidden(
      `${subject}: exceeded quota: ${quota.metadata.name}, requested: ${list((n) => requested.get(n)!)}, used: ${list((n) => String(used[n]))}, limited: ${list((n) => String(hard[n]))}`,
      { name: object.metadata.name, kind: resource },
    );
  }
}
