import type { ApiServer } from '../api/api-server';
import { ApiError } from '../api-error';
import { ClusterClient } from './cluster-client';
import { JsonValue, deepEqual, isObject } from '../json-value';
import { matchesRequirements, requirementsOfLabelSelector } from '../selectors/label-selector';
import { typeKeyOf, type StoreEvent } from '../store/object-store';
import type { Controller } from './controller-runner';

const RBAC = 'rbac.authorization.k8s.io/v1';
const CLUSTER_ROLES = typeKeyOf('rbac.authorization.k8s.io', 'clusterroles');
const MANAGER = 'clusterrole-aggregation-controller';

/** ClusterRoles with an aggregationRule get the rules of the ClusterRoles it selects, by server-side apply. */
export class ClusterRoleAggregationController implements Controller {
  readonly name = MANAGER;
  private readonly client: ClusterClient;

  constructor(private readonly api: ApiServer) {
    this.client = new ClusterClient(api, MANAGER);
  }

  keysFor(event: StoreEvent): string[] {
    if (event.typeKey !== CLUSTER_ROLES) return [];
    return this.client.list(RBAC, 'ClusterRole', undefined, (r) => isObject(r['aggregationRule'])).map((r) => r.metadata.name);
  }

  reconcile(name: string): void {
    const role = this.client.get(RBAC, 'ClusterRole', undefined, name);
    const rule = role && isObject(role['aggregationRule']) ? role['aggregationRule'] : undefined;
    if (!role || !rule) return;
    const selectors = (Array.isArray(rule['clusterRoleSelectors']) ? rule['clusterRoleSelectors'] : []).map(requirementsOfLabelSelector);
    const rules: JsonValue[] = [];
    const parts = this.client.list(RBAC, 'ClusterRole', undefined, (r) => r.metadata.name !== name);
    for (const part of parts) {
      const labels = (isObject(part.metadata['labels']) ? part.metadata['labels'] : {}) as Record<string, string>;
      if (!selectors.some((s) => s.length > 0 && matchesRequirements(labels, s))) continue;
      for (const r of Array.isArray(part['rules']) ? part['rules'] : []) if (!rules.some((known) => deepEqual(known, r))) rules.push(r);
    }
    if (deepEqual(role['rules'] ?? [], rules)) return;
    const type = this.client.type(RBAC, 'ClusterRole')!;
    try {
      this.api.patch(
        { type, name },
        'apply',
        { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules },
        { dryRun: false, fieldManager: MANAGER, force: true },
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
}
