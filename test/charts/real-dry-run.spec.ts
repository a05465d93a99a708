/**
 * Every object the charts render over the matrix of values (test/charts/matrix.ts), put to the
 * real kube-apiserver (v1.24) as a server-side-apply dry-run: its validation (Pod specs, RBAC
 * rules, Ingress, PDB, a ServiceMonitor against its CRD) is the verdict, and a field the
 * server would drop counts as a failure too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { helmSkipReason, helmTemplate, parseManifests } from '../support/helm';
import { realClusterSkipReason, sharedRealCluster } from '../support/real-cluster';
import { agentCases, hubCases } from './matrix';

const skip = helmSkipReason() ?? realClusterSkipReason();
const NAMESPACE = 'gitfleet-dry-run';

/** Paths present in `sent` that `returned` lacks (values may be normalised; presence is what counts). */
export function droppedFields(sent: unknown, returned: unknown, path = ''): string[] {
  if (Array.isArray(sent)) {
    if (sent.length === 0) return [];
    if (!Array.isArray(returned) || returned.length < sent.length) return [path];
    return sent.flatMap((item, i) => droppedFields(item, returned[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === 'object') {
    if (Object.keys(sent).length === 0) return [];
    if (returned === null || typeof returned !== 'object') return [path];
    return Object.entries(sent).flatMap(([key, value]) =>
      key in returned || value === '' ? droppedFields(value, (returned as Record<string, unknown>)[key], `${path}.${key}`) : [`${path}.${key}`],
    );
  }
  // The server leaves empty strings out (omitempty): as good as present.
  return sent === '' || returned !== undefined ? [] : [path];
}

describe.skipIf(skip !== undefined)(`the rendered charts, dry-run by the real API server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  let objectApi: KubernetesObjectApi;

  beforeAll(async () => {
    const cluster = await sharedRealCluster();
    const kc = new KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    objectApi = KubernetesObjectApi.makeApiClient(kc);
    const apply = (object: KubernetesObject) => objectApi.patch(object, undefined, undefined, 'chart-test', true, PatchStrategy.ServerSideApply);
    for (const name of [NAMESPACE, `${NAMESPACE}-apps`]) await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    for (const crd of parseManifests(await readFile(join(__dirname, 'testdata/servicemonitor-crd.yaml'), 'utf8'))) await apply(crd);
    // A custom resource can be dry-run once its CRD is served.
    for (let i = 0; i < 100; i++) {
      try {
        await objectApi.list('monitoring.coreos.com/v1', 'ServiceMonitor', NAMESPACE);
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, 150_000);

  it.each([...agentCases(NAMESPACE), ...hubCases()].map((c) => [`${c.chart}: ${c.name}`, c] as const))(
    '%s',
    async (_name, chartCase) => {
      const objects = await helmTemplate(chartCase.chart, 'gf', NAMESPACE, chartCase.values);
      const problems: string[] = [];
      for (const object of objects) {
        const what = `${object.kind}/${object.metadata.name}`;
        try {
          const answer = await objectApi.patch(object, undefined, 'All', 'chart-test', true, PatchStrategy.ServerSideApply);
          const sent = object.kind === 'Secret' ? { ...object, stringData: undefined } : object;
          for (const path of droppedFields(JSON.parse(JSON.stringify(sent)), answer)) problems.push(`${what}: the server dropped ${path}`);
        } catch (error) {
          problems.push(`${what}: ${(error as { body?: string }).body ?? (error as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
      expect(objects.map((o) => o.kind)).toContain('Deployment');
    },
    60_000,
  );
});
