import type { ApiServer } from '../api/api-server';
import { timestamp } from '../api/requests';
import { ClusterClient } from './cluster-client';
import { JsonObject, JsonValue, KubeObject, isObject } from '../json-value';
import { matchesRequirements, requirementsOfLabelSelector } from '../selectors/label-selector';
import { typeKeyOf, type StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';
import { controllerOf, isPodReady, keyOf, splitKey } from './owner-references';

const BUDGETS = typeKeyOf('policy', 'poddisruptionbudgets');

/**
 * The disruption controller: a PodDisruptionBudget's status counts the healthy Pods it
 * selects against how many it wants (minAvailable, or the expected Pods less maxUnavailable),
 * and says whether a disruption is allowed.
 */
export class DisruptionController implements Controller {
  readonly name = 'disruption';
  private readonly client: ClusterClient;

  constructor(api: ApiServer) {
    this.client = new ClusterClient(api, 'kube-controller-manager');
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey === BUDGETS) return event.type === 'DELETED' ? [] : [keyOf(event.object)];
    if (event.object.kind !== 'Pod') return [];
    const namespace = String(event.object.metadata['namespace'] ?? '');
    const pods = [event.object, ...(event.previous ? [event.previous] : [])];
    return this.client.list('policy/v1', 'PodDisruptionBudget', namespace, (b) => pods.some((p) => selects(b, p))).map((b) => keyOf(b));
  }

  reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const budget = this.client.get('policy/v1', 'PodDisruptionBudget', namespace, name);
    if (!budget || budget.metadata['deletionTimestamp']) return;
    const spec = isObject(budget['spec']) ? budget['spec'] : {};
    const pods = this.client.list('v1', 'Pod', namespace, (p) => !p.metadata['deletionTimestamp'] && selects(budget, p));
    const currentHealthy = pods.filter(isPodReady).length;
    let expectedPods = pods.length;
    let desiredHealthy: number;
    if (typeof spec['minAvailable'] === 'number') desiredHealthy = spec['minAvailable'];
    else {
      expectedPods = this.expectedPods(pods);
      desiredHealthy =
        spec['maxUnavailable'] !== undefined
          ? Math.max(0, expectedPods - scaled(spec['maxUnavailable'], expectedPods, false))
          : scaled(spec['minAvailable'] ?? 0, expectedPods, true);
    }
    const allowed = expectedPods > 0 ? Math.max(0, currentHealthy - desiredHealthy) : 0;
    const generation = Number(budget.metadata['generation'] ?? 1);
    const old = isObject(budget['status']) ? budget['status'] : {};
    const previous = Array.isArray(old['conditions'])
      ? old['conditions'].filter(isObject).find((c) => c['type'] === 'DisruptionAllowed')
      : undefined;
    const conditionStatus = allowed > 0 ? 'True' : 'False';
    const condition: JsonObject = {
      type: 'DisruptionAllowed',
      status: conditionStatus,
      observedGeneration: generation,
      lastTransitionTime: previous && previous['status'] === conditionStatus ? previous['lastTransitionTime'] : timestamp(),
      reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
      message: '',
    };
    const status: JsonObject = {
      observedGeneration: generation,
      disruptionsAllowed: allowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions: [condition],
    };
    if (JSON.stringify(status) !== JSON.stringify(old)) this.client.update({ ...budget, status }, 'status');
  }

  /** The replicas the selected Pods' controllers want (a Deployment's, for the Pods of its ReplicaSets). */
  private expectedPods(pods: KubeObject[]): number {
    const owners = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) {
        owners.set(`pod/${pod.metadata.name}`, 1);
        continue;
      }
      const namespace = String(pod.metadata['namespace']);
      let owner = this.client.get(String(ref['apiVersion']), String(ref['kind']), namespace, String(ref['name']));
      const above = owner && controllerOf(owner);
      if (owner && above?.['kind'] === 'Deployment') owner = this.client.get('apps/v1', 'Deployment', namespace, String(above['name']));
      if (owner) owners.set(`${owner.kind}/${owner.metadata.name}`, Number((owner['spec'] as JsonObject)?.['replicas'] ?? 1));
    }
    return [...owners.values()].reduce((sum, n) => sum + n, 0);
  }
}

function selects(budget: KubeObject, pod: KubeObject): boolean {
  const spec = isObject(budget['spec']) ? budget['spec'] : {};
  const requirements = requirementsOfLabelSelector(spec['selector']);
  return requirements.length > 0 && matchesRequirements(pod.metadata['labels'] as Record<string, string> | undefined, requirements);
}

/** An int-or-percent of a total, rounded up for minAvailable, down for maxUnavailable. */
function scaled(value: JsonValue, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = Number(String(value).replace('%', '')) / 100;
  return roundUp ? Math.ceil(percent * total) : Math.floor(percent * total);
}
